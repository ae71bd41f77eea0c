#include "labelloop/learning_curve.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <stdexcept>

namespace labelloop::curve {
namespace {

void check_xy(const std::vector<double>& x, const std::vector<double>& y, const char* what) {
    if (x.empty()) {
        throw std::invalid_argument(std::string(what) + ": the curve has no points");
    }
    if (x.size() != y.size()) {
        throw std::invalid_argument(std::string(what) + ": " + std::to_string(x.size()) +
                                    " label counts but " + std::to_string(y.size()) +
                                    " metric values");
    }
    for (std::size_t i = 1; i < x.size(); ++i) {
        if (!(x[i] > x[i - 1])) {
            throw std::invalid_argument(std::string(what) +
                                        ": label counts must increase along the curve");
        }
    }
}

bool meets(double value, double target, bool higher_is_better) {
    return higher_is_better ? value >= target : value <= target;
}

/// Improvement from `before` to `after` relative to |before|, positive when better.
double relative_gain(double before, double after, bool higher_is_better) {
    const double gain = higher_is_better ? after - before : before - after;
    const double scale = std::abs(before);
    return scale > 0.0 ? gain / scale : gain;
}

std::string number(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4g", v);
    return buf;
}

std::string escape_xml(const std::string& text) {
    std::string out;
    for (char c : text) {
        switch (c) {
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '&':
            out += "&amp;";
            break;
        case '"':
            out += "&quot;";
            break;
        default:
            out += c;
        }
    }
    return out;
}

} // namespace

MeanCurve mean_curve(const std::vector<Curve>& runs) {
    if (runs.empty()) {
        throw std::invalid_argument("mean_curve: no runs");
    }
    MeanCurve out;
    out.labels = runs.front().labels;
    const std::size_t n = out.labels.size();
    bool all_uncertainty = true;
    for (const auto& r : runs) {
        if (r.labels != out.labels || r.metric.size() != n) {
            throw std::invalid_argument(
                "mean_curve: runs must share the same label counts at every point");
        }
        all_uncertainty = all_uncertainty && r.uncertainty.size() == n;
    }
    const double k = static_cast<double>(runs.size());
    for (std::size_t i = 0; i < n; ++i) {
        double sum = 0.0;
        for (const auto& r : runs) {
            sum += r.metric[i];
        }
        const double mean = sum / k;
        double ss = 0.0;
        for (const auto& r : runs) {
            ss += (r.metric[i] - mean) * (r.metric[i] - mean);
        }
        out.mean.push_back(mean);
        out.sd.push_back(runs.size() > 1 ? std::sqrt(ss / (k - 1.0)) : 0.0);
        if (all_uncertainty) {
            double u = 0.0;
            for (const auto& r : runs) {
                u += r.uncertainty[i];
            }
            out.uncertainty.push_back(u / k);
        }
    }
    return out;
}

double area_under_curve(const std::vector<double>& labels, const std::vector<double>& metric) {
    check_xy(labels, metric, "area_under_curve");
    if (labels.size() == 1) {
        return metric.front();
    }
    double area = 0.0;
    for (std::size_t i = 1; i < labels.size(); ++i) {
        area += 0.5 * (metric[i] + metric[i - 1]) * (labels[i] - labels[i - 1]);
    }
    return area / (labels.back() - labels.front());
}

double area_ratio_vs_random(double strategy_area, double random_area, bool higher_is_better) {
    if (!(strategy_area > 0.0) || !(random_area > 0.0)) {
        throw std::invalid_argument("area_ratio_vs_random: areas must be positive");
    }
    return higher_is_better ? strategy_area / random_area : random_area / strategy_area;
}

double target_score(double full_pool_score, bool higher_is_better, double tolerance) {
    return higher_is_better ? full_pool_score * (1.0 - tolerance)
                            : full_pool_score * (1.0 + tolerance);
}

std::optional<double> labels_to_reach(const std::vector<double>& labels,
                                      const std::vector<double>& metric, double target,
                                      bool higher_is_better) {
    check_xy(labels, metric, "labels_to_reach");
    for (std::size_t i = 0; i < labels.size(); ++i) {
        if (meets(metric[i], target, higher_is_better)) {
            return labels[i];
        }
    }
    return std::nullopt;
}

std::optional<StopSuggestion> suggest_stop(const Curve& curve, bool higher_is_better,
                                           std::size_t window, double min_gain,
                                           std::size_t patience) {
    check_xy(curve.labels, curve.metric, "suggest_stop");
    if (window < 1 || patience < 1) {
        throw std::invalid_argument("suggest_stop: window and patience must be at least 1");
    }
    std::size_t flat_run = 0;
    for (std::size_t i = window; i < curve.labels.size(); ++i) {
        const double gain =
            relative_gain(curve.metric[i - window], curve.metric[i], higher_is_better);
        std::string reason;
        if (gain < min_gain) {
            reason = "the validation metric improved by " + number(100.0 * gain) +
                     " % over the last " + std::to_string(window) + " cycles";
        } else if (i < curve.uncertainty.size()) {
            // Uncertainty is lower-is-better whatever the metric.
            const double drop =
                relative_gain(curve.uncertainty[i - window], curve.uncertainty[i], false);
            if (drop < min_gain) {
                reason = "the mean uncertainty of the next batch changed by " +
                         number(-100.0 * drop) + " % over the last " + std::to_string(window) +
                         " cycles";
            }
        }
        flat_run = reason.empty() ? 0 : flat_run + 1;
        if (flat_run >= patience) {
            return StopSuggestion{i, curve.labels[i],
                                  reason + " (" + std::to_string(patience) + " checks in a row)"};
        }
    }
    return std::nullopt;
}

const char* series_colour(std::size_t index) {
    static const char* const kPalette[] = {"#7f7f7f", "#1f77b4", "#d62728", "#2ca02c",
                                           "#9467bd", "#ff7f0e", "#8c564b", "#e377c2"};
    return kPalette[index % (sizeof kPalette / sizeof kPalette[0])];
}

std::string render_svg(const std::vector<SvgSeries>& series, const std::string& title,
                       const std::string& x_label, const std::string& y_label,
                       std::optional<double> reference, const std::string& reference_label) {
    const double width = 720;
    const double height = 440;
    const double left = 70;
    const double right = 180;
    const double top = 40;
    const double bottom = 55;
    double x0 = 0;
    double x1 = 0;
    double y0 = 0;
    double y1 = 0;
    bool first = true;
    auto widen = [&](double x, double y) {
        if (!std::isfinite(x) || !std::isfinite(y)) {
            return;
        }
        if (first) {
            x0 = x1 = x;
            y0 = y1 = y;
            first = false;
        }
        x0 = std::min(x0, x);
        x1 = std::max(x1, x);
        y0 = std::min(y0, y);
        y1 = std::max(y1, y);
    };
    for (const auto& s : series) {
        for (std::size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
            const double sd = i < s.sd.size() ? s.sd[i] : 0.0;
            widen(s.x[i], s.y[i] - sd);
            widen(s.x[i], s.y[i] + sd);
        }
    }
    if (reference) {
        widen(x0, *reference);
    }
    if (x1 <= x0) {
        x1 = x0 + 1;
    }
    if (y1 <= y0) {
        y1 = y0 + 1;
    }
    const double pad = 0.05 * (y1 - y0);
    y0 -= pad;
    y1 += pad;
    const double pw = width - left - right;
    const double ph = height - top - bottom;
    auto px = [&](double x) { return left + (x - x0) / (x1 - x0) * pw; };
    auto py = [&](double y) { return top + (1.0 - (y - y0) / (y1 - y0)) * ph; };

    std::ostringstream svg;
    svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
        << "\" font-family=\"sans-serif\" font-size=\"12\">\n"
        << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        << "<text x=\"" << left << "\" y=\"22\" font-size=\"15\">" << escape_xml(title)
        << "</text>\n"
        << "<rect x=\"" << left << "\" y=\"" << top << "\" width=\"" << pw << "\" height=\"" << ph
        << "\" fill=\"none\" stroke=\"#444\"/>\n";
    for (int t = 0; t <= 5; ++t) {
        const double xv = x0 + (x1 - x0) * t / 5.0;
        const double yv = y0 + (y1 - y0) * t / 5.0;
        svg << "<text x=\"" << px(xv) << "\" y=\"" << top + ph + 18 << "\" text-anchor=\"middle\">"
            << number(xv) << "</text>\n"
            << "<text x=\"" << left - 6 << "\" y=\"" << py(yv) + 4 << "\" text-anchor=\"end\">"
            << number(yv) << "</text>\n"
            << "<line x1=\"" << left << "\" x2=\"" << left + pw << "\" y1=\"" << py(yv)
            << "\" y2=\"" << py(yv) << "\" stroke=\"#ddd\"/>\n";
    }
    svg << "<text x=\"" << left + pw / 2 << "\" y=\"" << height - 12 << "\" text-anchor=\"middle\">"
        << escape_xml(x_label) << "</text>\n"
        << "<text transform=\"translate(18," << top + ph / 2
        << ") rotate(-90)\" text-anchor=\"middle\">" << escape_xml(y_label) << "</text>\n";
    if (reference) {
        svg << "<line x1=\"" << left << "\" x2=\"" << left + pw << "\" y1=\"" << py(*reference)
            << "\" y2=\"" << py(*reference) << "\" stroke=\"#000\" stroke-dasharray=\"6 4\"/>\n";
    }
    double legend_y = top + 10;
    for (const auto& s : series) {
        const std::size_t n = std::min(s.x.size(), s.y.size());
        if (s.sd.size() >= n && n > 0) {
            svg << "<polygon fill=\"" << s.colour << "\" fill-opacity=\"0.15\" points=\"";
            for (std::size_t i = 0; i < n; ++i) {
                svg << px(s.x[i]) << "," << py(s.y[i] + s.sd[i]) << " ";
            }
            for (std::size_t i = n; i-- > 0;) {
                svg << px(s.x[i]) << "," << py(s.y[i] - s.sd[i]) << " ";
            }
            svg << "\"/>\n";
        }
        svg << "<polyline fill=\"none\" stroke-width=\"2\" stroke=\"" << s.colour << "\" points=\"";
        for (std::size_t i = 0; i < n; ++i) {
            svg << px(s.x[i]) << "," << py(s.y[i]) << " ";
        }
        svg << "\"/>\n";
        svg << "<line x1=\"" << left + pw + 12 << "\" x2=\"" << left + pw + 36 << "\" y1=\""
            << legend_y << "\" y2=\"" << legend_y << "\" stroke-width=\"3\" stroke=\"" << s.colour
            << "\"/>\n<text x=\"" << left + pw + 42 << "\" y=\"" << legend_y + 4 << "\">"
            << escape_xml(s.name) << "</text>\n";
        legend_y += 20;
    }
    if (reference) {
        svg << "<line x1=\"" << left + pw + 12 << "\" x2=\"" << left + pw + 36 << "\" y1=\""
            << legend_y << "\" y2=\"" << legend_y
            << "\" stroke=\"#000\" stroke-dasharray=\"6 4\"/>\n<text x=\"" << left + pw + 42
            << "\" y=\"" << legend_y + 4 << "\">" << escape_xml(reference_label) << "</text>\n";
    }
    svg << "</svg>\n";
    return svg.str();
}

} // namespace labelloop::curve
