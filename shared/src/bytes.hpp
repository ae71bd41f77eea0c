// Little-endian byte writer/reader shared by the features blob and the model artifact, so both
// read the same on x86 servers and in WASM. The reader reports truncation with the byte offset
// and what it was reading.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace labelloop::detail {

class ByteWriter {
public:
    void u8(std::uint8_t v) { out_.push_back(v); }
    void u16(std::uint16_t v) { put(v, 2); }
    void u32(std::uint32_t v) { put(v, 4); }
    void u64(std::uint64_t v) { put(v, 8); }
    void i32(std::int32_t v) { put(static_cast<std::uint32_t>(v), 4); }
    void f64(double v) {
        std::uint64_t bits = 0;
        std::memcpy(&bits, &v, sizeof bits);
        put(bits, 8);
    }
    void f32(float v) {
        std::uint32_t bits = 0;
        std::memcpy(&bits, &v, sizeof bits);
        put(bits, 4);
    }
    void str(const std::string& s) {
        u32(static_cast<std::uint32_t>(s.size()));
        out_.insert(out_.end(), s.begin(), s.end());
    }
    void raw(const void* data, std::size_t n) {
        const auto* p = static_cast<const std::uint8_t*>(data);
        out_.insert(out_.end(), p, p + n);
    }
    std::vector<std::uint8_t>& bytes() { return out_; }

private:
    void put(std::uint64_t v, int n) {
        for (int i = 0; i < n; ++i) {
            out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
        }
    }
    std::vector<std::uint8_t> out_;
};

/// Throws Error(message) on truncation.
template <typename Error>
class ByteReader {
public:
    ByteReader(const std::uint8_t* data, std::size_t size, std::string what)
        : data_(data), size_(size), what_(std::move(what)) {}

    std::uint8_t u8(const char* field) { return static_cast<std::uint8_t>(get(1, field)); }
    std::uint16_t u16(const char* field) { return static_cast<std::uint16_t>(get(2, field)); }
    std::uint32_t u32(const char* field) { return static_cast<std::uint32_t>(get(4, field)); }
    std::uint64_t u64(const char* field) { return get(8, field); }
    std::int32_t i32(const char* field) { return static_cast<std::int32_t>(u32(field)); }
    double f64(const char* field) {
        std::uint64_t bits = get(8, field);
        double v = 0;
        std::memcpy(&v, &bits, sizeof v);
        return v;
    }
    float f32(const char* field) {
        const auto bits = static_cast<std::uint32_t>(get(4, field));
        float v = 0;
        std::memcpy(&v, &bits, sizeof v);
        return v;
    }
    std::string str(const char* field) {
        std::uint32_t n = u32(field);
        need(n, field);
        std::string s(reinterpret_cast<const char*>(data_ + pos_), n);
        pos_ += n;
        return s;
    }
    void raw(void* out, std::size_t n, const char* field) {
        need(n, field);
        std::memcpy(out, data_ + pos_, n);
        pos_ += n;
    }
    std::size_t position() const { return pos_; }
    std::size_t remaining() const { return size_ - pos_; }
    void need(std::size_t n, const char* field) const {
        if (n > size_ - pos_) {
            throw Error(what_ + " truncated at byte " + std::to_string(size_) + " while reading " +
                        field + " (needed " + std::to_string(n) + " more bytes at offset " +
                        std::to_string(pos_) + ")");
        }
    }

private:
    std::uint64_t get(int n, const char* field) {
        need(static_cast<std::size_t>(n), field);
        std::uint64_t v = 0;
        for (int i = 0; i < n; ++i) {
            v |= static_cast<std::uint64_t>(data_[pos_ + static_cast<std::size_t>(i)]) << (8 * i);
        }
        pos_ += static_cast<std::size_t>(n);
        return v;
    }
    const std::uint8_t* data_;
    std::size_t size_;
    std::size_t pos_ = 0;
    std::string what_;
};

} // namespace labelloop::detail
