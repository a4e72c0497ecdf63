#include "answer_ttl.hpp"

#include <algorithm>

namespace sippet::dns {

namespace {

constexpr std::uint16_t kTypeSoa = 6;

class Reader {
 public:
  Reader(const unsigned char* data, std::size_t size) : data_(data), size_(size) {}

  bool skip(std::size_t n) {
    if (size_ - at_ < n) return false;
    at_ += n;
    return true;
  }
  bool u16(std::uint16_t& out) {
    if (size_ - at_ < 2) return false;
    out = static_cast<std::uint16_t>((data_[at_] << 8) | data_[at_ + 1]);
    at_ += 2;
    return true;
  }
  bool u32(std::uint32_t& out) {
    if (size_ - at_ < 4) return false;
    out = (std::uint32_t{data_[at_]} << 24) | (std::uint32_t{data_[at_ + 1]} << 16) |
          (std::uint32_t{data_[at_ + 2]} << 8) | std::uint32_t{data_[at_ + 3]};
    at_ += 4;
    return true;
  }
  // Skips a name in place: labels up to a zero octet or a compression
  // pointer (whose target need not be read to skip it).
  bool skip_name() {
    for (int labels = 0; labels < 128; ++labels) {
      if (at_ >= size_) return false;
      const unsigned char length = data_[at_];
      if (length == 0) return skip(1);
      if ((length & 0xC0) == 0xC0) return skip(2);
      if ((length & 0xC0) != 0) return false;  // reserved label types
      if (!skip(1u + length)) return false;
    }
    return false;
  }
  std::size_t at() const { return at_; }
  void seek(std::size_t at) { at_ = std::min(at, size_); }

 private:
  const unsigned char* data_;
  std::size_t size_;
  std::size_t at_ = 0;
};

}  // namespace

AnswerTtl answer_ttl(const unsigned char* data, std::size_t size) {
  AnswerTtl out;
  if (data == nullptr) return out;
  Reader reader(data, size);
  std::uint16_t questions = 0, answers = 0, authorities = 0;
  if (!reader.skip(4) || !reader.u16(questions) || !reader.u16(answers) ||
      !reader.u16(authorities) || !reader.skip(2))
    return out;
  for (unsigned i = 0; i < questions; ++i)
    if (!reader.skip_name() || !reader.skip(4)) return out;
  for (unsigned i = 0; i < answers + authorities; ++i) {
    std::uint16_t type = 0, length = 0;
    std::uint32_t ttl = 0;
    if (!reader.skip_name() || !reader.u16(type) || !reader.skip(2) || !reader.u32(ttl) ||
        !reader.u16(length))
      return out;
    ttl = std::min<std::uint32_t>(ttl, 0x7fffffff);  // RFC 2181 §8
    const std::size_t end = reader.at() + length;
    if (end > size) return out;
    if (i < answers) {
      out.answer = std::min(out.answer.value_or(ttl), ttl);
    } else if (type == kTypeSoa) {
      std::uint32_t minimum = 0;
      if (reader.skip_name() && reader.skip_name() && reader.skip(16) && reader.u32(minimum) &&
          reader.at() <= end)
        out.negative = std::min(ttl, std::min<std::uint32_t>(minimum, 0x7fffffff));
    }
    reader.seek(end);
  }
  return out;
}

}  // namespace sippet::dns
