// Same input, same answer: runs every conformance case under the given roots from 16 threads
// sharing one engine whose pool holds 16 Lua states (each state has its own string-hash seed),
// fails when two answers to one case differ, and prints every answer so that a ctest can compare
// the output of separate processes byte for byte.
#include <atomic>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "interpreters/conformance.h"
#include "interpreters/engine.h"
#include "tests/support/clock_mask.h"

namespace fs = std::filesystem;
namespace interp = cell0::interp;

namespace {

constexpr std::size_t kStates = 16;
constexpr int kRounds = 3;  // each thread runs every case at least this often, and on until
                            // the pool has made all its states (at most kMaxRounds)
constexpr int kMaxRounds = 2000;

std::string answer(const interp::Engine& engine, const interp::InterpretRequest& request, interp::Operation op) {
  auto result = engine.interpret(request);
  if (!result) return "error: " + result.error().message;
  return cell0::testing::mask_clock(interp::case_outputs(op, *result).dump());
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<fs::path> roots(argv + 1, argv + argc);
  int failures = 0;
  // One engine for every suite (each targets kinds of its own), so that the 16 states all
  // serve every kind of case.
  const auto suites = interp::discover_suites(roots);
  if (!suites) {
    std::cerr << suites.error().message << "\n";
    return 2;
  }
  std::vector<fs::path> files;
  for (const auto& suite : *suites) files.push_back(suite.customizations);
  auto registry = interp::load_registry(files);
  if (!registry) {
    std::cerr << registry.error().message << "\n";
    return 2;
  }
  struct Case {
    std::string id;
    interp::Operation op;
    interp::InterpretRequest request;
  };
  std::vector<Case> cases;
  for (const auto& suite : *suites) {
    for (const auto& file : suite.testdata) {
      const auto file_cases = interp::load_cases(file);
      if (!file_cases) {
        std::cerr << file_cases.error().message << "\n";
        return 2;
      }
      for (const auto& c : *file_cases) {
        auto request = interp::case_request(c);
        if (request) cases.push_back({file.string() + "\t" + c.name, c.operation, *request});
      }
    }
  }
  {
    interp::EngineOptions options;
    options.pool_size = kStates;
    // What is compared is the answer, not the budget: 16 threads on 2 loaded cores under the
    // sanitizers can push a heavy script past Karmada's 1 s, which would read as a difference.
    options.deadline = std::chrono::seconds(60);
    interp::Engine engine(options);
    engine.set_registry(*registry);
    std::vector<std::vector<std::string>> answers(kStates, std::vector<std::string>(cases.size()));
    std::atomic<std::size_t> ready{0};
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < kStates; ++t) {
      threads.emplace_back([&, t] {
        ++ready;
        while (ready.load() < kStates) std::this_thread::yield();  // start together: all states in use
        for (int round = 0; round < kMaxRounds && (round < kRounds || engine.stats().pool_size < kStates); ++round) {
          for (std::size_t k = 0; k < cases.size(); ++k) {
            const std::size_t i = (k + t * 7) % cases.size();  // each thread in its own order
            std::string a = answer(engine, cases[i].request, cases[i].op);
            if (round == 0) {
              answers[t][i] = std::move(a);
            } else if (a != answers[t][i] && answers[t][i].rfind("(changed", 0) != 0) {
              answers[t][i] = "(changed between rounds, first to) " + a;  // the first change is kept
            }
          }
        }
      });
    }
    for (auto& th : threads) th.join();
    for (std::size_t i = 0; i < cases.size(); ++i) {
      for (std::size_t t = 1; t < kStates; ++t) {
        if (answers[t][i] != answers[0][i]) {
          std::cerr << "DIFFERENT " << cases[i].id << "\n  " << answers[0][i] << "\n  " << answers[t][i] << "\n";
          ++failures;
          break;
        }
      }
      std::cout << cases[i].id << "\t" << answers[0][i] << "\n";
    }
    if (engine.stats().pool_size < kStates) {
      std::cerr << "only " << engine.stats().pool_size << " Lua state(s) used\n";
      ++failures;
    }
  }
  std::cerr << cases.size() << " cases, " << failures << " failure(s)\n";
  return failures == 0 ? 0 : 1;
}
