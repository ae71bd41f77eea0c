// The member families by type: the one place a new family is registered.
#include "member_family.hpp"

#include <stdexcept>
#include <string>

namespace labelloop::detail {

// Defined in each family's own file.
const MemberFamily& gradient_boosted_family();
const MemberFamily& random_tree_family();
const MemberFamily& mpnn_family();

const MemberFamily& member_family(MemberType type) {
    switch (type) {
    case MemberType::GradientBoosted:
        return gradient_boosted_family();
    case MemberType::RandomTree:
        return random_tree_family();
    case MemberType::Mpnn:
        return mpnn_family();
    }
    throw std::invalid_argument("unknown member type code " +
                                std::to_string(static_cast<int>(type)));
}

} // namespace labelloop::detail
