/*  test_view - the view filter language: what each view matches on four
    hand-built agents, the errors bad views get (message and column), the
    limits, and 100,000 random and mutated texts that must never crash.
*/
#include "pw_view.h"
#include "../pw_test.h"

#include <fnmatch.h>

//  --------------------------------------------------------------------------
//  Four agents, chosen so that every row below tells them apart somewhere.
//
//  A  SQL01   contoso (subscribed)    servers.sql         server       Windows Server 2022
//  B  ws-042  fabrikam (unsubscribed) workstations.sales  workstation  Windows 11 Pro
//  C  web01   contoso                 Servers             server       Ubuntu, own flag off
//  D  APP02   contoso                 serversx            unknown      no OS, no fields, no tags

static const pw_org_t s_contoso = {"Contoso", "Europe/Berlin", true};
static const pw_org_t s_fabrikam = {"fabrikam", "America/New_York", false};

static const pw_field_t s_cf_a [] = {{"ManualPatchReason", "LOB app"}, {"PatchWindow", "SAT-A"}};
static const char *const s_tags_a [] = {"critical", "no_patch"};
static const pw_field_t s_cf_b [] = {{"Owner", "Ann"}, {"PatchWindow", ""}};
static const pw_field_t s_cf_c [] = {{"Note", "a \"quoted\" \\ value"}, {"Patch Window", "SAT-B"}};
static const char *const s_tags_c [] = {"dmz"};

#define AGENT_COUNT 4
static const pw_agent_t s_agents [AGENT_COUNT] = {
    {.id = 1,
     .hostname = "SQL01",
     .org = &s_contoso,
     .group = "servers.sql",
     .klass = PW_CLASS_SERVER,
     .os = "Windows Server 2022 Standard",
     .os_version = "10.0.20348",
     .cf = s_cf_a,
     .cf_count = 2,
     .tags = s_tags_a,
     .tag_count = 2,
     .subscribed = true},
    {.id = 2,
     .hostname = "ws-042",
     .org = &s_fabrikam,
     .group = "workstations.sales",
     .klass = PW_CLASS_WORKSTATION,
     .os = "Windows 11 Pro",
     .os_version = "10.0.22631",
     .cf = s_cf_b,
     .cf_count = 2,
     .tags = NULL,
     .tag_count = 0,
     .subscribed = true},
    {.id = 3,
     .hostname = "web01",
     .org = &s_contoso,
     .group = "Servers",
     .klass = PW_CLASS_SERVER,
     .os = "Ubuntu 22.04 LTS",
     .os_version = "22.04",
     .cf = s_cf_c,
     .cf_count = 2,
     .tags = s_tags_c,
     .tag_count = 1,
     .subscribed = false},
    {.id = 4,
     .hostname = "APP02",
     .org = &s_contoso,
     .group = "serversx",
     .klass = PW_CLASS_UNKNOWN,
     .os = NULL,
     .os_version = NULL,
     .cf = NULL,
     .cf_count = 0,
     .tags = NULL,
     .tag_count = 0,
     .subscribed = true},
};

//  --------------------------------------------------------------------------
//  What each view matches: EXPECT holds one character per agent A B C D.

typedef struct {
    const char *text;
    const char *expect;
} match_case_t;

static const match_case_t s_match_cases [] = {
    //  empty and blank views match every agent
    {"", "1111"},
    {" \t\n ", "1111"},
    //  class
    {"class == \"server\"", "1010"},
    {"class == \"SERVER\"", "1010"},
    {"class != \"server\"", "0101"},
    {"class == \"workstation\"", "0100"},
    {"class in (\"server\", \"workstation\")", "1110"},
    //  os: ==, !=, and each kind of glob
    {"os == \"windows server 2022 standard\"", "1000"},
    {"os != \"Windows 11 Pro\"", "1011"},
    {"os ~ \"Windows Server 20*\"", "1000"},
    {"os ~ \"windows*\"", "1100"},
    {"os ~ \"*LTS\"", "0010"},
    {"os ~ \"*server*\"", "1000"},
    {"os ~ \"*\"", "1111"},
    {"os ~ \"\"", "0001"},
    {"os ~ \"Windows 1? Pro\"", "0100"},
    {"os ~ \"[uw]*\"", "1110"},
    {"os ~ \"WINDOWS SERVER 2022 STANDARD\"", "1000"},
    {"os ~ \"*2022*standard\"", "1000"},
    //  os_version, hostname, org
    {"os_version == \"10.0.20348\"", "1000"},
    {"os_version ~ \"10.0.*\"", "1100"},
    {"hostname == \"sql01\"", "1000"},
    {"hostname in (\"WEB01\", \"app02\")", "0011"},
    {"hostname ~ \"WS-*\"", "0100"},
    {"hostname ~ \"ws\\\\-*\"", "0100"},
    {"hostname ~ \"[[:alpha:]]*0[12]\"", "1011"},
    {"org == \"contoso\"", "1011"},
    {"org != \"CONTOSO\"", "0100"},
    {"org ~ \"fab*\"", "0100"},
    //  group: equality, subtree (case-insensitive, on dot boundaries), glob
    {"group == \"servers\"", "0010"},
    {"group under \"servers\"", "1010"},
    {"group under \"SERVERS.SQL\"", "1000"},
    {"group under \"servers.sq\"", "0000"},
    {"group under \"\"", "1111"},
    {"group ~ \"servers*\"", "1011"},
    //  org.patching
    {"org.patching == \"subscribed\"", "1011"},
    {"org.patching == \"Unsubscribed\"", "0100"},
    {"org.patching != \"subscribed\"", "0100"},
    {"org.patching in (\"subscribed\", \"unsubscribed\")", "1111"},
    //  custom fields: missing reads as "", names are exact, values are not
    {"cf.PatchWindow == \"SAT-A\"", "1000"},
    {"cf.PatchWindow == \"\"", "0111"},
    {"cf.PatchWindow != \"\"", "1000"},
    {"cf.PatchWindow in (\"sat-a\", \"SAT-B\")", "1000"},
    {"cf.\"Patch Window\" == \"sat-b\"", "0010"},
    {"cf.Owner ~ \"a*\"", "0100"},
    {"cf.Note == \"A \\\"QUOTED\\\" \\\\ value\"", "0010"},
    {"exists cf.PatchWindow", "1100"},
    {"exists cf.patchwindow", "0000"},
    {"not exists cf.ManualPatchReason", "0111"},
    //  tags and subscribed: alone, negated, compared with true / false
    {"tag.no_patch", "1000"},
    {"not tag.no_patch", "0111"},
    {"tag.no_patch == true", "1000"},
    {"tag.no_patch == false", "0111"},
    {"tag.no_patch != true", "0111"},
    {"tag.no_patch != FALSE", "1000"},
    {"tag.NO_PATCH", "0000"},
    {"exists tag.dmz", "0010"},
    {"subscribed", "1001"},
    {"subscribed == false", "0110"},
    {"not subscribed", "0110"},
    //  precedence: not > and > or, and parentheses
    {"class == \"server\" or class == \"workstation\" and tag.no_patch", "1010"},
    {"(class == \"server\" or class == \"workstation\") and tag.no_patch", "1000"},
    {"not tag.dmz and class == \"server\"", "1000"},
    {"not (tag.dmz and class == \"server\")", "1101"},
    {"not tag.dmz or tag.dmz", "1111"},
    {"tag.dmz or not subscribed and org == \"fabrikam\"", "0110"},
    {"not not tag.critical", "1000"},
    {"((((hostname == \"SQL01\"))))", "1000"},
    {"hostname == \"x\" or hostname == \"y\" or hostname == \"app02\"", "0001"},
    {"tag.critical and tag.no_patch and class == \"server\"", "1000"},
    {"class == \"server\" and (os ~ \"*ubuntu*\" or tag.critical)", "1010"},
    {"(not tag.dmz or subscribed) and class != \"workstation\"", "1001"},
    {"tag.dmz and (hostname == \"x\" or hostname == \"web01\") or hostname == \"sql01\"", "1010"},
    {"not (hostname == \"sql01\" or hostname == \"web01\") and not (org == \"fabrikam\")", "0001"},
    //  the three examples of the design
    {"class == \"server\" and os ~ \"Windows Server 20*\" and cf.PatchWindow in (\"SAT-A\", "
     "\"SAT-B\")",
     "1000"},
    {"group under \"servers\" and not tag.no_patch", "0010"},
    {"org.patching == \"subscribed\" or exists cf.ManualPatchReason", "1011"},
    //  keywords and field names in any case, spacing and line breaks free
    {"CLASS == \"server\" AND NOT tag.critical", "0010"},
    {"class==\"server\"and(tag.dmz)", "0010"},
    {"class == \"server\"\n  and tag.dmz", "0010"},
};

static void
s_test_match_table (void)
{
    for (size_t i = 0; i < sizeof (s_match_cases) / sizeof (s_match_cases [0]); i++) {
        const match_case_t *mc = &s_match_cases [i];
        char *error = NULL;
        pw_view_t *view = pw_view_compile (mc->text, &error);
        if (!view) {
            PW_FAIL_AT ("view [%s] did not compile: %s", mc->text, error);
            free (error);
            continue;
        }
        PW_CHECK (error == NULL);
        PW_CHECK_STR (pw_view_text (view), mc->text);
        for (int a = 0; a < AGENT_COUNT; a++) {
            bool expected = mc->expect [a] == '1';
            if (pw_view_match (view, &s_agents [a]) != expected)
                PW_FAIL_AT ("view [%s] on agent %c: got %s, expected %s", mc->text, 'A' + a,
                            expected ? "false" : "true", expected ? "true" : "false");
        }
        pw_view_destroy (&view);
        PW_CHECK (view == NULL);
    }
}

//  --------------------------------------------------------------------------
//  Bad views: the message must contain WANT, and start with the position.

typedef struct {
    const char *text;
    const char *position; //  "column N: " or "line L, column C: "
    const char *want;
} error_case_t;

static const error_case_t s_error_cases [] = {
    //  unknown fields and bad names
    {"colour == \"x\"", "column 1: ",
     "unknown field \"colour\"; expected one of class, os, os_version, hostname, org, group, "
     "org.patching, cf.NAME, tag.NAME, subscribed"},
    {"class == \"server\" and org.name == \"x\"", "column 23: ", "unknown field \"org.name\""},
    {"cf. == \"x\"", "column 5: ", "expected a custom field name after \"cf.\", found \"==\""},
    {"tag.\"\"", "column 5: ", "expected a tag name after \"tag.\""},
    {"and os == \"x\"",
     "column 1: ", "expected a field, \"not\", \"exists\" or \"(\", found \"and\""},
    {"not", "column 4: ", "expected a field, \"not\", \"exists\" or \"(\", found end of text"},
    {"()", "column 2: ", "expected a field, \"not\", \"exists\" or \"(\", found \")\""},
    {"\"server\" == class",
     "column 1: ", "expected a field, \"not\", \"exists\" or \"(\", found string \"server\""},
    //  operators that do not fit the field
    {"os under \"servers\"", "column 4: ", "operator \"under\" applies only to field group"},
    {"class under \"servers\"", "column 7: ", "operator \"under\" applies only to field group"},
    {"tag.x ~ \"a*\"", "column 7: ", "operator \"~\" does not apply to boolean field tag.x"},
    {"subscribed in (\"a\")", "column 12: ", "operator \"in\" does not apply to boolean field"},
    {"class ~ \"serv*\"", "column 7: ", "operator \"~\" does not apply to class"},
    {"org.patching ~ \"sub*\"", "column 14: ", "operator \"~\" does not apply to org.patching"},
    {"exists os", "column 8: ", "expected a cf.NAME or tag.NAME field after \"exists\", found os"},
    {"exists",
     "column 7: ", "expected a cf.NAME or tag.NAME field after \"exists\", found end of text"},
    {"exists \"x\"", "column 8: ", "expected a cf.NAME or tag.NAME field after \"exists\""},
    {"os", "column 3: ", "expected an operator (==, !=, ~ or in) after os, found end of text"},
    {"group \"x\"", "column 7: ", "expected an operator (==, !=, ~, in or under) after group"},
    {"class", "column 6: ", "expected an operator (==, != or in) after class"},
    {"os not in (\"a\")", "column 4: ", "write \"not os ...\" to negate"},
    {"class = \"server\"", "column 7: ", "expected \"==\" to compare, found a single \"=\""},
    {"! tag.x", "column 1: ", "expected \"!=\" or \"not\", found \"!\""},
    {"os == \"a\" && os == \"b\"", "column 11: ", "found character \"&\""},
    //  values
    {"class == \"laptop\"",
     "column 10: ", "expected \"server\" or \"workstation\" for class, found string \"laptop\""},
    {"class in (\"server\", \"laptop\")", "column 21: ", "for class, found string \"laptop\""},
    {"org.patching == \"yes\"", "column 17: ",
     "expected \"subscribed\" or \"unsubscribed\" for org.patching, found string \"yes\""},
    {"class == ", "column 10: ", "expected a string after \"==\", found end of text"},
    {"class == and", "column 10: ", "expected a string after \"==\", found \"and\""},
    {"os ~ server", "column 6: ", "expected a string after \"~\", found \"server\""},
    {"tag.x == \"true\"", "column 10: ",
     "expected true or false after \"==\" (tag.x is a boolean), found string \"true\""},
    {"subscribed != maybe", "column 15: ", "expected true or false after \"!=\""},
    {"group under \"servers.*\"", "column 13: ", "found the pattern \"servers.*\""},
    {"group under \"servers..sql\"", "column 13: ", "with an empty name"},
    {"group under \".servers\"", "column 13: ", "with an empty name"},
    //  strings
    {"os == \"Windows", "column 7: ", "unterminated string; expected a closing '\"'"},
    {"os == \"Windows\nand", "line 1, column 7: ", "unterminated string"},
    {"os == \"a\\n\"", "column 9: ", "expected \\\" or \\\\ after a backslash in a string"},
    //  lists
    {"cf.X in ()",
     "column 10: ", "expected at least one string in the list after \"in\", found \")\""},
    {"cf.X in (\"a\",)", "column 14: ", "expected a string in the list after \"in\""},
    {"cf.X in (\"a\" \"b\")", "column 14: ", "expected \",\" or \")\" in the list after \"in\""},
    {"cf.X in \"a\"", "column 9: ", "expected \"(\" after \"in\", found string \"a\""},
    {"cf.X in (\"a\"",
     "column 13: ", "expected \",\" or \")\" in the list after \"in\", found end of text"},
    //  globs
    {"os ~ \"[ab\"", "column 6: ", "malformed glob: expected \"]\" to close \"[\" at character 1"},
    {"os ~ \"x[!]\"", "column 6: ", "malformed glob: expected \"]\" to close \"[\" at character 2"},
    {"os ~ \"abc\\\\\"",
     "column 6: ", "malformed glob: expected a character after the final backslash"},
    {"os ~ \"[[:alfa:]]\"", "column 6: ", "expected a character class such as [:digit:]"},
    {"cf.X in (\"a\") and os ~ \"W*[\"", "column 24: ", "malformed glob"},
    //  parentheses and trailing input
    {"(class == \"server\"", "column 19: ",
     "expected \"and\", \"or\" or \")\" to close the \"(\" at column 1, found end of text"},
    {"((tag.x) or (tag.y)", "column 20: ", "to close the \"(\" at column 1"},
    {"class == \"server\")", "column 18: ", "found \")\" with no \"(\" to close"},
    {"class == \"server\" hostname == \"x\"",
     "column 19: ", "expected \"and\", \"or\" or end of text, found \"hostname\""},
    {"tag.x tag.y", "column 7: ", "expected \"and\", \"or\" or end of text, found \"tag.y\""},
    {"exists cf.X == \"a\"",
     "column 13: ", "expected \"and\", \"or\" or end of text, found \"==\""},
    //  positions: lines, and characters rather than bytes
    {"class == \"server\"\nand colour == \"x\"", "line 2, column 5: ", "unknown field \"colour\""},
    {"hostname == \"M\xC3\xBCller\" and colour == \"x\"", "column 26: ", "unknown field"},
    {"hostname == \"x\" \xC3\xA9", "column 17: ", "found character \"\\xC3\""},
};

static void
s_test_error_table (void)
{
    for (size_t i = 0; i < sizeof (s_error_cases) / sizeof (s_error_cases [0]); i++) {
        const error_case_t *ec = &s_error_cases [i];
        char *error = NULL;
        pw_view_t *view = pw_view_compile (ec->text, &error);
        if (view) {
            PW_FAIL_AT ("bad view [%s] compiled", ec->text);
            pw_view_destroy (&view);
            continue;
        }
        if (!error) {
            PW_FAIL_AT ("bad view [%s] gave no error", ec->text);
            continue;
        }
        if (strncmp (error, ec->position, strlen (ec->position)) != 0)
            PW_FAIL_AT ("bad view [%s]: [%s] does not start with [%s]", ec->text, error,
                        ec->position);
        if (!strstr (error, ec->want))
            PW_FAIL_AT ("bad view [%s]: [%s] does not contain [%s]", ec->text, error, ec->want);
        free (error);
    }
}

//  One message checked whole, so that its wording is pinned down.
static void
s_test_error_exact (void)
{
    char *error = NULL;
    PW_CHECK (pw_view_compile ("class == \"server\" and colour == \"blue\"", &error) == NULL);
    PW_CHECK_STR (error, "column 23: unknown field \"colour\"; expected one of class, os, "
                         "os_version, hostname, org, group, org.patching, cf.NAME, tag.NAME, "
                         "subscribed");
    free (error);

    //  A caller that does not want the message still gets NULL, and no leak.
    PW_CHECK (pw_view_compile ("colour == \"x\"", NULL) == NULL);
    error = NULL;
    PW_CHECK (pw_view_compile (NULL, &error) == NULL);
    PW_CHECK (error && strstr (error, "column 1: expected a view text"));
    free (error);

    //  Success clears a caller's stale pointer.
    error = (char *)"stale";
    pw_view_t *view = pw_view_compile ("tag.x", &error);
    PW_CHECK (view != NULL);
    PW_CHECK (error == NULL);
    pw_view_destroy (&view);
    pw_view_destroy (&view); //  NULL-safe
}

//  --------------------------------------------------------------------------
//  Limits

static char *
s_repeat (const char *head, const char *unit, size_t times, const char *tail)
{
    size_t len = strlen (head) + strlen (unit) * times + strlen (tail);
    char *text = malloc (len + 1);
    strcpy (text, head);
    char *end = text + strlen (head);
    for (size_t i = 0; i < times; i++) {
        strcpy (end, unit);
        end += strlen (unit);
    }
    strcpy (end, tail);
    return text;
}

static void
s_test_limits (void)
{
    char *error = NULL;

    //  64 levels of parentheses are fine, 65 are refused where the 65th opens.
    char *open = s_repeat ("", "(", 64, "tag.dmz");
    char *text = s_repeat (open, ")", 64, "");
    pw_view_t *view = pw_view_compile (text, &error);
    PW_CHECK (view != NULL);
    if (view) {
        PW_CHECK (pw_view_match (view, &s_agents [2]));
        PW_CHECK (!pw_view_match (view, &s_agents [0]));
    }
    pw_view_destroy (&view);
    free (open);
    free (text);
    open = s_repeat ("", "(", 65, "tag.dmz");
    text = s_repeat (open, ")", 65, "");
    PW_CHECK (pw_view_compile (text, &error) == NULL);
    PW_CHECK_STR (error, "column 65: expected at most 64 nested parentheses, found deeper nesting");
    free (error);
    free (open);
    free (text);

    //  A hostile run of parentheses fails cleanly too.
    text = s_repeat ("", "(", 4000, "");
    PW_CHECK (pw_view_compile (text, &error) == NULL);
    PW_CHECK (error && strstr (error, "column 65: expected at most 64 nested"));
    free (error);
    free (text);

    //  Exactly 4096 bytes compile; one more byte is refused.
    text = s_repeat ("tag.dmz", " ", PW_VIEW_MAX_TEXT - 7, "");
    PW_CHECK_INT (strlen (text), 4096);
    view = pw_view_compile (text, &error);
    PW_CHECK (view != NULL);
    pw_view_destroy (&view);
    free (text);
    text = s_repeat ("tag.dmz", " ", PW_VIEW_MAX_TEXT - 6, "");
    PW_CHECK (pw_view_compile (text, &error) == NULL);
    PW_CHECK_STR (error,
                  "column 4097: expected a view text of at most 4096 bytes, found 4097 bytes");
    free (error);
    free (text);

    //  Long runs of "not" and "and" are not nesting: they compile and
    //  evaluate without recursion. 1000 "not" is even, so it is tag.dmz.
    text = s_repeat ("", "not ", 1000, "tag.dmz");
    view = pw_view_compile (text, &error);
    PW_CHECK (view != NULL);
    if (view) {
        PW_CHECK (pw_view_match (view, &s_agents [2]));
        PW_CHECK (!pw_view_match (view, &s_agents [1]));
    }
    pw_view_destroy (&view);
    free (text);
    text = s_repeat ("tag.dmz", " and subscribed == false", 160, " or hostname == \"app02\"");
    view = pw_view_compile (text, &error);
    PW_CHECK (view != NULL);
    if (view) {
        PW_CHECK (!pw_view_match (view, &s_agents [0]));
        PW_CHECK (!pw_view_match (view, &s_agents [1]));
        PW_CHECK (pw_view_match (view, &s_agents [2]));
        PW_CHECK (pw_view_match (view, &s_agents [3]));
    }
    pw_view_destroy (&view);
    free (text);
}

//  --------------------------------------------------------------------------
//  Globs: the fast paths (exact, prefix, suffix, contains) must agree with
//  fnmatch, which is what the language promises.

static uint64_t s_rng_state;

static uint64_t
s_rng (void)
{
    //  xorshift64*: deterministic, so a failure reproduces.
    s_rng_state ^= s_rng_state >> 12;
    s_rng_state ^= s_rng_state << 25;
    s_rng_state ^= s_rng_state >> 27;
    return s_rng_state * 0x2545F4914F6CDD1DULL;
}

static void
s_random_word (char *out, const char *alphabet, size_t max_len)
{
    size_t len = s_rng () % (max_len + 1);
    size_t alphabet_len = strlen (alphabet);
    for (size_t i = 0; i < len; i++)
        out [i] = alphabet [s_rng () % alphabet_len];
    out [len] = '\0';
}

static void
s_test_glob_agrees_with_fnmatch (void)
{
    s_rng_state = 0x5eed0f9c1a7e5eedULL;
    int mismatches = 0;
    for (int round = 0; round < 2000; round++) {
        char pattern [16], text [96];
        s_random_word (pattern, round % 4 ? "aB*" : "aB*?", 6);
        snprintf (text, sizeof (text), "hostname ~ \"%s\"", pattern);
        char *error = NULL;
        pw_view_t *view = pw_view_compile (text, &error);
        if (!view) {
            PW_FAIL_AT ("glob view [%s] did not compile: %s", text, error);
            free (error);
            continue;
        }
        for (int probe = 0; probe < 20; probe++) {
            char hostname [16];
            s_random_word (hostname, "abAB", 7);
            pw_agent_t agent = s_agents [0];
            agent.hostname = hostname;
            bool expected = fnmatch (pattern, hostname, FNM_CASEFOLD) == 0;
            if (pw_view_match (view, &agent) != expected && mismatches++ < 5)
                PW_FAIL_AT ("glob \"%s\" on \"%s\": expected %d", pattern, hostname, expected);
        }
        pw_view_destroy (&view);
    }
    PW_CHECK_INT (mismatches, 0);
}

//  --------------------------------------------------------------------------
//  Robustness: random token soup and mutations of good views. No crash, no
//  leak (valgrind / ASan), and a NULL result always comes with a message.

static const char *s_fragments [] = {
    "class",   "os",         "os_version", "hostname", "org",        "group",  "org.patching",
    "cf.X",    "cf.",        "tag.y",      "tag.",     "subscribed", "colour", "==",
    "!=",      "=",          "!",          "~",        "in",         "under",  "exists",
    "and",     "or",         "not",        "true",     "false",      "(",      ")",
    ",",       "\"server\"", "\"a*\"",     "\"[ab\"",  "\"",         "\\",     "\"\\\"\"",
    "\"\\q\"", " ",          "\n",         "\t",       "\xC3\xA9",   "\xFF",   "*",
    "?",       "[",          "]",          "0",
};

static void
s_test_random_texts (void)
{
    s_rng_state = 0x9e3779b97f4a7c15ULL;
    size_t fragment_count = sizeof (s_fragments) / sizeof (s_fragments [0]);
    size_t good_count = sizeof (s_match_cases) / sizeof (s_match_cases [0]);
    int compiled = 0, refused = 0, bad = 0;
    char text [PW_VIEW_MAX_TEXT + 64];
    for (int round = 0; round < 100000; round++) {
        size_t len = 0;
        if (round % 2 == 0) {
            size_t pieces = 1 + s_rng () % 14;
            for (size_t i = 0; i < pieces; i++) {
                const char *piece = s_fragments [s_rng () % fragment_count];
                size_t piece_len = strlen (piece);
                memcpy (text + len, piece, piece_len);
                len += piece_len;
                if (s_rng () % 2)
                    text [len++] = ' ';
            }
        } else {
            const char *good = s_match_cases [s_rng () % good_count].text;
            len = strlen (good);
            memcpy (text, good, len);
            size_t edits = 1 + s_rng () % 4;
            for (size_t e = 0; e < edits; e++) {
                size_t at = len ? s_rng () % (len + 1) : 0;
                int kind = (int)(s_rng () % 3);
                if (kind == 0 && len < sizeof (text) - 2) { //  insert a byte
                    memmove (text + at + 1, text + at, len - at);
                    text [at] = (char)(1 + s_rng () % 255);
                    len++;
                } else if (kind == 1 && at < len) { //  delete a byte
                    memmove (text + at, text + at + 1, len - at - 1);
                    len--;
                } else if (at < len) //  replace a byte
                    text [at] = (char)(1 + s_rng () % 255);
            }
        }
        text [len] = '\0';
        char *error = NULL;
        pw_view_t *view = pw_view_compile (text, &error);
        if (view) {
            compiled++;
            if (error || strcmp (pw_view_text (view), text) != 0)
                bad++;
            for (int a = 0; a < AGENT_COUNT; a++)
                pw_view_match (view, &s_agents [a]);
            pw_view_destroy (&view);
        } else {
            refused++;
            if (!error ||
                (strncmp (error, "column ", 7) != 0 && strncmp (error, "line ", 5) != 0)) {
                if (bad++ < 5)
                    PW_FAIL_AT ("view [%s] refused without a positioned message: %s", text,
                                error ? error : "(null)");
            }
        }
        free (error);
    }
    PW_CHECK_INT (bad, 0);
    //  The generator must exercise both outcomes to mean anything.
    PW_CHECK (compiled > 1000);
    PW_CHECK (refused > 1000);
    if (s_pw_verbose)
        fprintf (stderr, "    %d compiled, %d refused\n", compiled, refused);
}

int
main (int argc, char **argv)
{
    PW_TEST_BEGIN (argc, argv);
    PW_RUN (s_test_match_table);
    PW_RUN (s_test_error_table);
    PW_RUN (s_test_error_exact);
    PW_RUN (s_test_limits);
    PW_RUN (s_test_glob_agrees_with_fnmatch);
    PW_RUN (s_test_random_texts);
    return PW_TEST_END ();
}
