// Scripts may stamp the wall clock (os.date("!%Y-%m-%dT%H:%M:%SZ"): the Notebook and TFJob rules
// do), so two answers to one request can differ by the second they ran in. Timestamps within an
// hour of now are the clock, not an answer: tests that compare answers mask them.
#pragma once

#include <ctime>
#include <regex>
#include <string>

namespace cell0::testing {

inline std::string mask_clock(const std::string& text) {
  static const std::regex stamp(R"((\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)Z)");
  const std::time_t now = std::time(nullptr);
  std::string out;
  auto last = text.cbegin();
  for (auto it = std::sregex_iterator(text.begin(), text.end(), stamp); it != std::sregex_iterator(); ++it) {
    const auto& m = *it;
    std::tm tm{};
    tm.tm_year = std::stoi(m[1]) - 1900;
    tm.tm_mon = std::stoi(m[2]) - 1;
    tm.tm_mday = std::stoi(m[3]);
    tm.tm_hour = std::stoi(m[4]);
    tm.tm_min = std::stoi(m[5]);
    tm.tm_sec = std::stoi(m[6]);
    const std::time_t t = timegm(&tm);
    out.append(last, m[0].first);
    out += (t > now - 3600 && t < now + 3600) ? std::string("<now>") : m.str();
    last = m[0].second;
  }
  out.append(last, text.cend());
  return out;
}

}  // namespace cell0::testing
