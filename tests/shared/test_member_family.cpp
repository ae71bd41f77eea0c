// The member interface (src/members/member_family.hpp): every member type has its family, the
// block scorer agrees exactly with one-compound scoring across slice boundaries, and the
// family's artifact writer and reader round-trip a member.
#include "labelloop/ensemble.hpp"
#include "labelloop/model_format.hpp"
#include "members/member_family.hpp"

#include "synthetic.hpp"

#include <catch2/catch.hpp>

using namespace labelloop;
using labelloop::testing::make_synthetic;

namespace {

EnsembleParams small_params(MemberType type, bool linear_base) {
    EnsembleParams p = type == MemberType::RandomTree ? EnsembleParams::random_forest()
                                                      : EnsembleParams::gradient_boosted();
    p.n_members = 6;
    p.boosting_rounds = 8;
    p.max_depth = 3;
    p.min_samples_leaf = 3;
    p.linear_base = linear_base;
    p.seed = 11;
    return p;
}

} // namespace

TEST_CASE("every member type has its family", "[member_family]") {
    for (auto type : {MemberType::GradientBoosted, MemberType::RandomTree}) {
        CHECK(detail::member_family(type).type() == type);
    }
    CHECK_THROWS_AS(detail::member_family(static_cast<MemberType>(200)), std::invalid_argument);
}

TEST_CASE("slice scoring equals one-compound scoring across slice boundaries", "[member_family]") {
    const auto train = make_synthetic(120, 3);
    // 64 + 64 + 2 rows: two full slices and a partial one.
    const auto pool = make_synthetic(130, 4);
    const std::vector<double> w(train.x.size(), 1.0);
    for (auto type : {MemberType::GradientBoosted, MemberType::RandomTree}) {
        for (auto task : {Task::Regression, Task::Classification}) {
            for (bool linear : {false, true}) {
                CAPTURE(to_string(type), to_string(task), linear);
                const auto& y = task == Task::Regression ? train.y : train.y_class;
                const auto model =
                    BootstrapEnsemble::fit(train.x, y, w, task, FeatureLayout::model_default(),
                                           small_params(type, linear));
                const auto batch = model.predict_batch(pool.x, true);
                REQUIRE(batch.size() == pool.x.size());
                for (std::size_t i = 0; i < pool.x.size(); ++i) {
                    const auto one = model.predict(pool.x[i]);
                    REQUIRE(batch[i].members.size() == model.n_members());
                    for (std::size_t m = 0; m < model.n_members(); ++m) {
                        REQUIRE(batch[i].members[m] == one.members[m]);
                        REQUIRE(model.member_output(m, pool.x[i]) == one.members[m]);
                    }
                    REQUIRE(batch[i].mean == one.mean);
                    REQUIRE(batch[i].std == one.std);
                }
            }
        }
    }
}

TEST_CASE("a family's member writer and reader round-trip a member", "[member_family]") {
    const auto train = make_synthetic(80, 9);
    const std::vector<double> w(train.x.size(), 1.0);
    for (auto type : {MemberType::GradientBoosted, MemberType::RandomTree}) {
        CAPTURE(to_string(type));
        const auto model =
            BootstrapEnsemble::fit(train.x, train.y, w, Task::Regression,
                                   FeatureLayout::model_default(), small_params(type, true));
        const auto& family = detail::member_family(type);
        for (const auto& member : model.members()) {
            detail::ByteWriter out;
            family.write_member(out, member);
            const auto& bytes = out.bytes();
            detail::ByteReader<ModelFormatError> in(bytes.data(), bytes.size(), "member");
            const auto back = family.read_member(in, 0, model.layout());
            CHECK(in.remaining() == 0);
            CHECK(back.base == member.base);
            CHECK(back.linear == member.linear);
            REQUIRE(back.trees.size() == member.trees.size());
            for (const auto& f : train.x) {
                REQUIRE(family.raw_output(back, f) == family.raw_output(member, f));
            }
            // A truncated member is an error naming what was being read, not a crash.
            detail::ByteReader<ModelFormatError> cut(bytes.data(), bytes.size() - 1, "member");
            CHECK_THROWS_AS(family.read_member(cut, 0, model.layout()), ModelFormatError);
        }
    }
}
