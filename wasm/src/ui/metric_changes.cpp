#include "ui/metric_changes.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace labelloop::app {
namespace {

using json = nlohmann::json;

const json& validation_part(const json& metrics) {
    if (metrics.is_object() && metrics.contains("validation") &&
        metrics["validation"].is_object()) {
        return metrics["validation"];
    }
    return metrics;
}

bool is_count(const std::string& name) {
    return name == "n" || name == "n_positive";
}

bool lower_is_better(const std::string& name) {
    return name == "rmse" || name == "mae" || name == "ece" || name == "expected_calibration_error";
}

Verdict judge(const std::string& name, double before, double after) {
    if (std::fabs(after - before) < 1e-12) {
        return Verdict::Unchanged;
    }
    bool better = false;
    if (name == "interval_coverage_90") {
        const double db = std::fabs(before - 0.9);
        const double da = std::fabs(after - 0.9);
        if (std::fabs(da - db) < 1e-12) {
            return Verdict::Unchanged;
        }
        better = da < db;
    } else {
        better = lower_is_better(name) ? after < before : after > before;
    }
    return better ? Verdict::Better : Verdict::Worse;
}

std::string format_value(const std::string& name, double v) {
    char buf[64];
    if (is_count(name)) {
        std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(std::llround(v)));
    } else {
        std::snprintf(buf, sizeof buf, "%.3f", v);
    }
    return buf;
}

} // namespace

std::vector<MetricChange> metric_changes(const json& before_all, const json& after_all,
                                         const std::string& primary) {
    const json& before = validation_part(before_all);
    const json& after = validation_part(after_all);
    std::vector<MetricChange> out;
    if (!before.is_object()) {
        return out;
    }
    for (const auto& [name, value] : before.items()) {
        if (!value.is_number()) {
            continue;
        }
        MetricChange c;
        c.name = name;
        c.before = value.get<double>();
        if (after.is_object() && after.contains(name) && after[name].is_number()) {
            c.after = after[name].get<double>();
        }
        if (is_count(name)) {
            // The validation set is the same before and after: one figure is enough.
            c.verdict = Verdict::NoAfter;
            c.text = name + " " + format_value(name, c.before);
        } else if (c.after) {
            c.verdict = judge(name, c.before, *c.after);
            c.text =
                name + " " + format_value(name, c.before) + " -> " + format_value(name, *c.after);
        } else {
            c.text = name + " " + format_value(name, c.before);
        }
        out.push_back(std::move(c));
    }
    const auto rank = [&primary](const MetricChange& c) {
        return c.name == primary ? 0 : is_count(c.name) ? 2 : 1;
    };
    std::stable_sort(out.begin(), out.end(), [&rank](const MetricChange& a, const MetricChange& b) {
        return rank(a) < rank(b);
    });
    return out;
}

} // namespace labelloop::app
