// Must NOT compile: a char bound to a statement (text, or its code?) is ambiguous.
#include <vial/database.hpp>

int main() {
    vial::Database db{"sqlite://:memory:"};
    char grade = 'A';
    auto query = db.query("SELECT ?", grade);
    (void)query;
}
