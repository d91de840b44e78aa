/* SPDX-License-Identifier: Apache-2.0 */
/* SPDX licence expressions against a licence policy: can an expression be complied with using
 * only the licences a policy allows?
 *
 * The expression grammar is valid_spdx_expression's (util/validate.h): identifiers
 * ([A-Za-z0-9.-]+, LicenseRef-… included) with an optional trailing "+", "ID WITH EXC", the
 * operators AND and OR (uppercase, as SPDX writes them) and parentheses; AND binds tighter than
 * OR. Identifiers compare case-insensitively, as SPDX ids do. All take NUL-terminated strings;
 * nothing is allocated. */
#ifndef PROVD_UTIL_SPDX_H
#define PROVD_UTIL_SPDX_H

#include <stdbool.h>
#include <stddef.h>

#define SPDX_MAX_DEPTH 32 /* nested parentheses; deeper expressions are refused */

/* True when the SPDX licence expression expr can be complied with using only licences in
 * allowed (n_allowed of them, each a policy entry as spdx_valid_policy_entry accepts; others
 * match nothing): OR needs one side, AND both, a leaf "ID" needs ID in allowed, "ID+" needs ID+
 * or ID, "ID WITH EXC" needs "ID WITH EXC" or ID. False when expr is not a valid expression
 * (longer than LICENSE_MAX_LEN, or nested deeper than SPDX_MAX_DEPTH). */
bool spdx_satisfiable(const char *expr, const char *const *allowed, size_t n_allowed);
/* True when s is a single licence as a policy lists it: an SPDX short id or LicenseRef-…
 * (letters, digits, '.', '-'), an optional trailing '+', optionally " WITH EXC"; no leading or
 * trailing spaces. */
bool spdx_valid_policy_entry(const char *s);

#endif
