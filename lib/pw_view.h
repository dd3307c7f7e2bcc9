/*  pw_view - the view filter language: compiled once, evaluated per agent.

    A view is a named filter over agent attributes that restricts where a
    system policy assignment applies:

        class == "server" and os ~ "Windows Server 20*" and cf.PatchWindow in ("SAT-A", "SAT-B")
        group under "servers" and not tag.no_patch
        org.patching == "subscribed" or exists cf.ManualPatchReason

    The policy service compiles every view when it is defined (so a syntax
    error or an unknown field is refused then, never a silent false) and
    evaluates the compiled form against each agent. docs/views.md is the
    language reference.
*/
#ifndef PW_VIEW_H_INCLUDED
#define PW_VIEW_H_INCLUDED

#include "pw_model.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct _pw_view_t pw_view_t;

//  Longest view text accepted, in bytes, and deepest parenthesis nesting.
//  Both keep hostile input from costing memory or stack.
#define PW_VIEW_MAX_TEXT  4096
#define PW_VIEW_MAX_DEPTH 64

//  Compiles TEXT. Returns a new view (caller owns), or NULL with *ERROR_P set
//  to a new message (caller frees) that names the 1-based column and what was
//  expected, e.g. `column 17: expected a string after "==", found "and"`.
//  ERROR_P may be NULL. Empty or all-blank TEXT compiles to a view that
//  matches every agent.
pw_view_t *pw_view_compile (const char *text, char **error_p);

//  Destroys the view and nulls the caller's pointer. NULL-safe.
void pw_view_destroy (pw_view_t **self_p);

//  True when AGENT matches the view. Never allocates.
bool pw_view_match (const pw_view_t *self, const pw_agent_t *agent);

//  The source text the view was compiled from.
const char *pw_view_text (const pw_view_t *self);

#ifdef __cplusplus
}
#endif

#endif
