# SPDX-License-Identifier: Apache-2.0
# Writes OUT, a header defining DB_STMT_COUNT: how many prepared statements the files of DB_DIR
# (service/db/*.c) define, so that db/pool.c checks at build time that a connection has a slot
# for each (MAX_PREPARED). A statement is a `struct db_stmt NAME = {"name", ...}` or an element
# `{"name", ...}` of a `struct db_stmt NAME[] = {...}` array; its name is its first member, a
# string literal (STYLE.md: named like its function). Fails on a definition whose name cannot be
# read that way, and on two statements with one name (PostgreSQL would refuse the second).
file(GLOB FILES ${DB_DIR}/*.c)
list(SORT FILES)
set(names "")
foreach(f ${FILES})
  file(READ ${f} text)
  # CMake lists split on ';' and nest on brackets: mark each initializer's end, drop the rest.
  string(REPLACE "};" "@END@" text "${text}")
  string(REPLACE ";" " " text "${text}")
  string(REPLACE "[" "(" text "${text}")
  string(REPLACE "]" ")" text "${text}")
  string(REGEX MATCHALL "struct db_stmt [A-Za-z0-9_]+ *(\\([^)]*\\))? *= *{([^@]|@[^E])*@END@"
         defs "${text}")
  foreach(def ${defs})
    string(REGEX MATCH "^struct db_stmt [A-Za-z0-9_]+" what "${def}")
    string(REGEX MATCHALL "{[ \t\r\n]*\"[A-Za-z0-9_]+\"" found "${def}")
    if(NOT found)
      message(FATAL_ERROR "${f}: ${what}: no \"name\" as the first member of its initializer")
    endif()
    foreach(n ${found})
      string(REGEX REPLACE "^{[ \t\r\n]*\"|\"$" "" n "${n}")
      list(APPEND names ${n})
    endforeach()
  endforeach()
endforeach()
list(LENGTH names count)
set(unique ${names})
list(REMOVE_DUPLICATES unique)
list(LENGTH unique unique_count)
if(NOT count EQUAL unique_count)
  foreach(n ${unique})
    list(FIND names ${n} first)
    list(REMOVE_AT names ${first})
    list(FIND names ${n} again)
    if(NOT again EQUAL -1)
      message(FATAL_ERROR "two prepared statements in ${DB_DIR} are named ${n}")
    endif()
  endforeach()
endif()
list(SORT unique)
string(REPLACE ";" "\n *   " listed "${unique}")
file(WRITE ${OUT}.tmp "/* Generated from the .c files of service/db by cmake/db_stmt_count.cmake. Do not edit.
 * The prepared statements:
 *   ${listed} */
#ifndef PROVD_DB_STMT_COUNT_H
#define PROVD_DB_STMT_COUNT_H
#define DB_STMT_COUNT ${count}
#endif
")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different ${OUT}.tmp ${OUT})
file(REMOVE ${OUT}.tmp)
