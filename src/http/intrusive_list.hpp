#pragma once
// The per-loop lists of connections (live and parked) are intrusive: a node carries its
// own `prev` and `next`, so joining and leaving cost no allocation.

namespace vial::detail {

template <class Node>
void link_front(Node*& head, Node& node) noexcept {
    node.next = head;
    if (head) head->prev = &node;
    head = &node;
}

template <class Node>
void unlink(Node*& head, Node& node) noexcept {
    if (node.prev) node.prev->next = node.next;
    if (node.next) node.next->prev = node.prev;
    if (head == &node) head = node.next;
}

}  // namespace vial::detail
