# Strict warnings for LabelLoop's own targets only; third-party sources (Dear ImGui) and
# system headers keep their own warning level.
function(labelloop_strict_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Werror -Wshadow
                                           -Wnon-virtual-dtor)
  if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    # EM_JS / EM_ASM and Catch2 use variadic macros with empty argument lists.
    target_compile_options(${target} PRIVATE -Wno-gnu-zero-variadic-macro-arguments)
  endif()
endfunction()
