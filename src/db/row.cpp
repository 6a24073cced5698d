#include <vial/database.hpp>

namespace vial {

namespace {

const char* type_name(const SqlValue& value) {
    switch (value.index()) {
        case 0:
            return "NULL";
        case 1:
            return "INTEGER";
        case 2:
            return "REAL";
        case 3:
            return "TEXT";
        default:
            return "BLOB";
    }
}

}  // namespace

Row::Row(std::shared_ptr<const std::vector<std::string>> columns, std::vector<SqlValue> values)
    : columns_(std::move(columns)), values_(std::move(values)) {}

const SqlValue& Row::operator[](std::size_t index) const {
    return values_[checked(index)];
}

const SqlValue& Row::operator[](std::string_view column) const {
    return values_[index_of(column)];
}

std::size_t Row::index_of(std::string_view column) const {
    for (std::size_t i = 0; i < columns_->size(); ++i) {
        if ((*columns_)[i] == column) return i;
    }
    std::string known;
    for (const auto& name : *columns_) known += (known.empty() ? "" : ", ") + name;
    throw DatabaseError("the row has no column '" + std::string(column) + "' (it has: " + known +
                        ")");
}

std::size_t Row::checked(std::size_t index) const {
    if (index >= values_.size())
        throw DatabaseError("the row has " + std::to_string(values_.size()) +
                            " columns, not a column " + std::to_string(index));
    return index;
}

void Row::mismatch(std::size_t index, const char* wanted) const {
    throw DatabaseError("column '" + (*columns_)[index] + "' is " + type_name(values_[index]) +
                        ", not " + wanted);
}

Json Row::to_json() const {
    JsonObject object;
    for (std::size_t i = 0; i < values_.size(); ++i) {
        const SqlValue& value = values_[i];
        Json& out = object[(*columns_)[i]];
        if (auto* v = std::get_if<std::int64_t>(&value)) {
            out = *v;
        } else if (auto* v = std::get_if<double>(&value)) {
            out = *v;
        } else if (auto* v = std::get_if<std::string>(&value)) {
            out = *v;
        } else if (auto* v = std::get_if<Blob>(&value)) {
            out = v->bytes;
        } else {
            out = nullptr;
        }
    }
    return object;
}

Json rows_to_json(const std::vector<Row>& rows) {
    JsonArray array;
    array.reserve(rows.size());
    for (const Row& row : rows) array.push_back(row.to_json());
    return array;
}

}  // namespace vial
