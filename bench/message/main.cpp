// bench_message's main: runs the benchmarks with the console reporter, then
// prints how much faster sippet parses the anchor than sofia-sip and libosip2
// in this same run (on a shared machine only ratios within one run mean
// anything: docs/benchmarks.md).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

namespace {

class RatioReporter : public benchmark::ConsoleReporter {
 public:
  explicit RatioReporter(OutputOptions options) : ConsoleReporter(options) {}

  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      if (run.error_occurred) continue;
      // CPU time, in ns: what the parser costs, whatever else the box runs.
      const double ns =
          run.GetAdjustedCPUTime() / benchmark::GetTimeUnitMultiplier(run.time_unit) * 1e9;
      if (run.run_type == Run::RT_Iteration) {
        cpu_ns_[run.run_name.str()].push_back(ns);
      } else if (run.aggregate_name == "median") {  // --benchmark_report_aggregates_only
        median_ns_[run.run_name.str()] = ns;
      }
    }
  }

  // The median over repetitions (one value without --benchmark_repetitions).
  double median_ns(const std::string& name) const {
    auto it = cpu_ns_.find(name);
    if (it == cpu_ns_.end() || it->second.empty()) {
      auto m = median_ns_.find(name);
      return m == median_ns_.end() ? 0 : m->second;
    }
    std::vector<double> v = it->second;
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  }

  void print_ratios() const {
    const double ours = median_ns("parse_invite/sippet");
    if (ours <= 0) return;
    std::printf("\nparse_invite (884-octet INVITE, full typed parse, CPU time):\n");
    std::printf("  sippet      %8.0f ns\n", ours);
    for (const auto& [name, label] :
         {std::pair<std::string, std::string>{"parse_invite/sofia_sip", "sofia-sip"},
          {"parse_invite/osip2", "libosip2"}}) {
      const double theirs = median_ns(name);
      if (theirs <= 0) continue;
      std::printf("  %-10s  %8.0f ns   ratio %s/sippet = %.1f: sippet is %.1f× faster than %s\n",
                  label.c_str(), theirs, label.c_str(), theirs / ours, theirs / ours,
                  label.c_str());
    }
  }

 private:
  std::map<std::string, std::vector<double>> cpu_ns_;
  std::map<std::string, double> median_ns_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  RatioReporter reporter(isatty(STDOUT_FILENO) ? RatioReporter::OO_Color : RatioReporter::OO_None);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.print_ratios();
  benchmark::Shutdown();
  return 0;
}
