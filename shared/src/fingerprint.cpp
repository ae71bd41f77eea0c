#include "labelloop/fingerprint.hpp"

#include "popcount.hpp"

#include <stdexcept>

namespace labelloop {
namespace {

inline unsigned popcount64(std::uint64_t x) {
    return static_cast<unsigned>(__builtin_popcountll(x));
}

} // namespace

Fingerprint Fingerprint::from_bit_string(std::string_view bits) {
    if (bits.size() != kBits) {
        throw std::invalid_argument("fingerprint bit string has " + std::to_string(bits.size()) +
                                    " characters, expected " + std::to_string(kBits));
    }
    Fingerprint fp;
    for (std::size_t i = 0; i < kBits; ++i) {
        if (bits[i] == '1') {
            fp.set(i);
        } else if (bits[i] != '0') {
            throw std::invalid_argument("fingerprint bit string has '" + std::string(1, bits[i]) +
                                        "' at position " + std::to_string(i) +
                                        ", expected '0' or '1'");
        }
    }
    return fp;
}

Fingerprint Fingerprint::from_bit_bytes(const std::uint8_t* bytes, std::size_t count) {
    if (count != kBits) {
        throw std::invalid_argument("fingerprint has " + std::to_string(count) +
                                    " bits, expected " + std::to_string(kBits));
    }
    Fingerprint fp;
    for (std::size_t i = 0; i < kBits; ++i) {
        if (bytes[i] > 1) {
            throw std::invalid_argument("fingerprint byte " + std::to_string(i) + " is " +
                                        std::to_string(bytes[i]) + ", expected 0 or 1");
        }
        if (bytes[i] != 0) {
            fp.set(i);
        }
    }
    return fp;
}

Fingerprint Fingerprint::from_packed_bytes(const std::uint8_t* bytes, std::size_t count) {
    if (count != kBits / 8) {
        throw std::invalid_argument("packed fingerprint has " + std::to_string(count) +
                                    " bytes, expected " + std::to_string(kBits / 8));
    }
    Fingerprint fp;
    for (std::size_t w = 0; w < kWords; ++w) {
        std::uint64_t word = 0;
        for (std::size_t b = 0; b < 8; ++b) {
            word |= std::uint64_t{bytes[w * 8 + b]} << (8 * b);
        }
        fp.words_[w] = word;
    }
    return fp;
}

Fingerprint Fingerprint::from_on_bits(const std::vector<std::uint32_t>& on_bits) {
    Fingerprint fp;
    for (auto bit : on_bits) {
        if (bit >= kBits) {
            throw std::out_of_range("fingerprint bit " + std::to_string(bit) +
                                    " is out of range (fingerprints have " + std::to_string(kBits) +
                                    " bits)");
        }
        fp.set(bit);
    }
    return fp;
}

std::size_t Fingerprint::popcount() const {
    std::size_t n = 0;
    for (auto w : words_) {
        n += popcount64(w);
    }
    return n;
}

std::vector<std::uint32_t> Fingerprint::on_bits() const {
    std::vector<std::uint32_t> out;
    for (std::size_t w = 0; w < kWords; ++w) {
        std::uint64_t word = words_[w];
        while (word != 0) {
            out.push_back(
                static_cast<std::uint32_t>(w * 64 + static_cast<unsigned>(__builtin_ctzll(word))));
            word &= word - 1;
        }
    }
    return out;
}

std::string Fingerprint::to_bit_string() const {
    std::string s(kBits, '0');
    for (std::size_t i = 0; i < kBits; ++i) {
        if (test(i)) {
            s[i] = '1';
        }
    }
    return s;
}

double tanimoto(const Fingerprint& a, const Fingerprint& b) {
    const auto counts = detail::pair_counts(a.words(), b.words());
    return detail::tanimoto_from_counts(counts.both, counts.either);
}

std::string_view popcount_kernel_name() {
    return detail::popcount_kernels().name;
}

} // namespace labelloop
