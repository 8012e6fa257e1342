# chainrule_set_warnings(<target>): the project's warning flags, applied to its own
# targets only (consumers of the installed headers are not affected).
function(chainrule_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
                                           -Wnon-virtual-dtor -Wold-style-cast)
  if(CHAINRULE_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
