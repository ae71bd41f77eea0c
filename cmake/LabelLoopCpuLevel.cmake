# Native x86-64 builds target x86-64-v3 (AVX2, FMA, BMI2) when the build machine has it.
# Eigen's matrix products dominate the D-MPNN's fit: with AVX2 + FMA, 2 ESOL networks fit in
# 10.7 s against 20.4 s with the default SSE2 (bench/mpnn_bench.cpp, same predictions to 9
# digits). The binary then needs such a CPU (Intel since 2013, AMD since 2015), which the
# machine that built it is: admins build where they run (scripts/). For a binary to copy to
# older CPUs, configure with -DLABELLOOP_X86_64_V3=OFF.
#
# -ffp-contract=off: the compiler fuses no multiply-add of its own, so every scalar
# computation (trees, metrics, sampling) stays bit for bit what the WASM build computes; only
# Eigen's explicit kernels use FMA (networks agree with WASM to 1e-6, as tested).
set(LABELLOOP_X86_64_V3 AUTO CACHE STRING
    "Target x86-64-v3 (AVX2, FMA): AUTO (when the build machine has it), ON or OFF")
set_property(CACHE LABELLOOP_X86_64_V3 PROPERTY STRINGS AUTO ON OFF)

function(labelloop_cpu_level)
  if(EMSCRIPTEN OR NOT CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64"
     OR LABELLOOP_X86_64_V3 STREQUAL "OFF")
    message(STATUS "LabelLoop CPU level: compiler default")
    return()
  endif()
  if(LABELLOOP_X86_64_V3 STREQUAL "AUTO")
    include(CheckCXXSourceRuns)
    set(CMAKE_REQUIRED_FLAGS "-march=x86-64-v3")
    check_cxx_source_runs([=[
      #include <immintrin.h>
      int main() {
        __builtin_cpu_init();
        if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma") ||
            !__builtin_cpu_supports("bmi2")) {
          return 1;
        }
        volatile double a = 1.5, b = 2.0, c = 0.25;
        __m256d v = _mm256_fmadd_pd(_mm256_set1_pd(a), _mm256_set1_pd(b), _mm256_set1_pd(c));
        double out[4];
        _mm256_storeu_pd(out, v);
        return out[3] == 3.25 ? 0 : 1;
      }]=] LABELLOOP_HOST_HAS_X86_64_V3)
    if(NOT LABELLOOP_HOST_HAS_X86_64_V3)
      message(STATUS "LabelLoop CPU level: compiler default (no AVX2 + FMA on this machine)")
      return()
    endif()
  endif()
  message(STATUS "LabelLoop CPU level: x86-64-v3 (AVX2, FMA)")
  add_compile_options(-march=x86-64-v3 -ffp-contract=off)
endfunction()
