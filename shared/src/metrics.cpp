#include "labelloop/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

namespace labelloop {
namespace {

void check_pair(const std::vector<double>& a, const std::vector<double>& b, const char* name) {
    if (a.empty()) {
        throw std::invalid_argument(std::string(name) + ": no values");
    }
    if (a.size() != b.size()) {
        throw std::invalid_argument(std::string(name) + ": " + std::to_string(a.size()) +
                                    " labels but " + std::to_string(b.size()) + " predictions");
    }
}

std::size_t check_binary(const std::vector<double>& y, const char* name) {
    std::size_t pos = 0;
    for (double v : y) {
        if (v != 0.0 && v != 1.0) {
            throw std::invalid_argument(std::string(name) + ": labels must be 0 or 1, got " +
                                        std::to_string(v));
        }
        pos += v == 1.0 ? 1 : 0;
    }
    return pos;
}

// Average ranks (1-based); ties share their mean rank.
std::vector<double> average_ranks(const std::vector<double>& v) {
    std::vector<std::size_t> order(v.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return v[a] < v[b]; });
    std::vector<double> ranks(v.size());
    for (std::size_t i = 0; i < order.size();) {
        std::size_t j = i;
        while (j + 1 < order.size() && v[order[j + 1]] == v[order[i]]) {
            ++j;
        }
        const double rank = (static_cast<double>(i) + static_cast<double>(j)) / 2.0 + 1.0;
        for (std::size_t k = i; k <= j; ++k) {
            ranks[order[k]] = rank;
        }
        i = j + 1;
    }
    return ranks;
}

} // namespace

double rmse(const std::vector<double>& y, const std::vector<double>& pred) {
    check_pair(y, pred, "rmse");
    double ss = 0.0;
    for (std::size_t i = 0; i < y.size(); ++i) {
        ss += (y[i] - pred[i]) * (y[i] - pred[i]);
    }
    return std::sqrt(ss / static_cast<double>(y.size()));
}

double mae(const std::vector<double>& y, const std::vector<double>& pred) {
    check_pair(y, pred, "mae");
    double s = 0.0;
    for (std::size_t i = 0; i < y.size(); ++i) {
        s += std::fabs(y[i] - pred[i]);
    }
    return s / static_cast<double>(y.size());
}

double r2(const std::vector<double>& y, const std::vector<double>& pred) {
    check_pair(y, pred, "r2");
    const double mean = std::accumulate(y.begin(), y.end(), 0.0) / static_cast<double>(y.size());
    double res = 0.0;
    double tot = 0.0;
    for (std::size_t i = 0; i < y.size(); ++i) {
        res += (y[i] - pred[i]) * (y[i] - pred[i]);
        tot += (y[i] - mean) * (y[i] - mean);
    }
    if (tot == 0.0) {
        throw std::invalid_argument("r2: the labels are constant");
    }
    return 1.0 - res / tot;
}

std::optional<double> pearson(const std::vector<double>& a, const std::vector<double>& b) {
    if (a.size() != b.size()) {
        throw std::invalid_argument("pearson: " + std::to_string(a.size()) + " values against " +
                                    std::to_string(b.size()));
    }
    if (a.size() < 2) {
        return std::nullopt;
    }
    const double n = static_cast<double>(a.size());
    const double ma = std::accumulate(a.begin(), a.end(), 0.0) / n;
    const double mb = std::accumulate(b.begin(), b.end(), 0.0) / n;
    double sab = 0.0;
    double saa = 0.0;
    double sbb = 0.0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        sab += (a[i] - ma) * (b[i] - mb);
        saa += (a[i] - ma) * (a[i] - ma);
        sbb += (b[i] - mb) * (b[i] - mb);
    }
    if (!(saa > 0.0) || !(sbb > 0.0)) {
        return std::nullopt;
    }
    return sab / std::sqrt(saa * sbb);
}

double spearman(const std::vector<double>& y, const std::vector<double>& pred) {
    check_pair(y, pred, "spearman");
    const auto r = pearson(average_ranks(y), average_ranks(pred));
    if (!r) {
        throw std::invalid_argument("spearman: a constant input has no rank correlation");
    }
    return *r;
}

double roc_auc(const std::vector<double>& y, const std::vector<double>& score) {
    check_pair(y, score, "roc_auc");
    const std::size_t pos = check_binary(y, "roc_auc");
    const std::size_t neg = y.size() - pos;
    if (pos == 0 || neg == 0) {
        throw std::invalid_argument("roc_auc: needs both classes, got " + std::to_string(pos) +
                                    " positive of " + std::to_string(y.size()));
    }
    const auto ranks = average_ranks(score);
    double rank_sum = 0.0;
    for (std::size_t i = 0; i < y.size(); ++i) {
        if (y[i] == 1.0) {
            rank_sum += ranks[i];
        }
    }
    const double p = static_cast<double>(pos);
    return (rank_sum - p * (p + 1.0) / 2.0) / (p * static_cast<double>(neg));
}

double pr_auc(const std::vector<double>& y, const std::vector<double>& score) {
    check_pair(y, score, "pr_auc");
    const std::size_t pos = check_binary(y, "pr_auc");
    if (pos == 0) {
        throw std::invalid_argument("pr_auc: needs at least one positive label");
    }
    std::vector<std::size_t> order(y.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](auto a, auto b) { return score[a] > score[b]; });
    double ap = 0.0;
    double tp = 0.0;
    double prev_recall = 0.0;
    for (std::size_t i = 0; i < order.size();) {
        std::size_t j = i;
        while (j < order.size() && score[order[j]] == score[order[i]]) {
            tp += y[order[j]];
            ++j;
        }
        const double precision = tp / static_cast<double>(j);
        const double recall = tp / static_cast<double>(pos);
        ap += (recall - prev_recall) * precision;
        prev_recall = recall;
        i = j;
    }
    return ap;
}

double accuracy(const std::vector<double>& y, const std::vector<double>& p, double threshold) {
    check_pair(y, p, "accuracy");
    check_binary(y, "accuracy");
    std::size_t hits = 0;
    for (std::size_t i = 0; i < y.size(); ++i) {
        hits += ((p[i] >= threshold) == (y[i] == 1.0)) ? 1 : 0;
    }
    return static_cast<double>(hits) / static_cast<double>(y.size());
}

double expected_calibration_error(const std::vector<double>& y, const std::vector<double>& p,
                                  unsigned n_bins) {
    check_pair(y, p, "expected_calibration_error");
    check_binary(y, "expected_calibration_error");
    if (n_bins == 0) {
        throw std::invalid_argument("expected_calibration_error: n_bins must be at least 1");
    }
    std::vector<double> sum_y(n_bins, 0.0);
    std::vector<double> sum_p(n_bins, 0.0);
    std::vector<double> count(n_bins, 0.0);
    for (std::size_t i = 0; i < y.size(); ++i) {
        if (!(p[i] >= 0.0 && p[i] <= 1.0)) {
            throw std::invalid_argument("expected_calibration_error: probability " +
                                        std::to_string(p[i]) + " is outside [0, 1]");
        }
        auto b = static_cast<unsigned>(p[i] * n_bins);
        b = std::min(b, n_bins - 1);
        sum_y[b] += y[i];
        sum_p[b] += p[i];
        count[b] += 1.0;
    }
    double ece = 0.0;
    for (unsigned b = 0; b < n_bins; ++b) {
        if (count[b] > 0) {
            ece += count[b] / static_cast<double>(y.size()) *
                   std::fabs(sum_y[b] / count[b] - sum_p[b] / count[b]);
        }
    }
    return ece;
}

double interval_coverage(const std::vector<double>& y, const std::vector<double>& lower,
                         const std::vector<double>& upper) {
    check_pair(y, lower, "interval_coverage");
    check_pair(y, upper, "interval_coverage");
    std::size_t hits = 0;
    for (std::size_t i = 0; i < y.size(); ++i) {
        hits += (lower[i] <= y[i] && y[i] <= upper[i]) ? 1 : 0;
    }
    return static_cast<double>(hits) / static_cast<double>(y.size());
}

nlohmann::json compute_metrics(Task task, const std::vector<double>& y,
                               const std::vector<Prediction>& predictions) {
    if (y.size() != predictions.size()) {
        throw std::invalid_argument("compute_metrics: " + std::to_string(y.size()) +
                                    " labels but " + std::to_string(predictions.size()) +
                                    " predictions");
    }
    if (y.empty()) {
        throw std::invalid_argument("compute_metrics: no validation compounds");
    }
    std::vector<double> mean;
    std::vector<double> lo;
    std::vector<double> hi;
    for (const auto& p : predictions) {
        mean.push_back(p.mean);
        lo.push_back(p.lower90);
        hi.push_back(p.upper90);
    }
    // A metric that is undefined for this data is null, not a made-up number.
    auto guarded = [](auto&& f) -> nlohmann::json {
        try {
            return f();
        } catch (const std::invalid_argument&) {
            return nullptr;
        }
    };
    nlohmann::json j;
    j["n"] = y.size();
    if (task == Task::Regression) {
        j["rmse"] = rmse(y, mean);
        j["mae"] = mae(y, mean);
        j["r2"] = guarded([&] { return r2(y, mean); });
        j["spearman"] = guarded([&] { return spearman(y, mean); });
        j["interval_coverage_90"] = interval_coverage(y, lo, hi);
    } else {
        const std::size_t pos = check_binary(y, "compute_metrics");
        j["n_positive"] = pos;
        j["roc_auc"] = guarded([&] { return roc_auc(y, mean); });
        j["pr_auc"] = guarded([&] { return pr_auc(y, mean); });
        j["accuracy"] = accuracy(y, mean);
        j["ece"] = expected_calibration_error(y, mean);
    }
    return j;
}

} // namespace labelloop
