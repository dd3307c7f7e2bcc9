/*  test_model - inventory helpers: custom fields, tags, group subtrees. */
#include "pw_model.h"
#include "../pw_test.h"

static const pw_org_t s_org = {"contoso", "Europe/Berlin", true};
static const pw_field_t s_cf [] = {{"ManualPatchReason", "LOB app"}, {"PatchWindow", "SAT-A"}};
static const char *const s_tags [] = {"critical", "no_patch"};

static pw_agent_t
s_agent (void)
{
    pw_agent_t a = {.id = 1,
                    .hostname = "SQL01",
                    .org = &s_org,
                    .group = "servers.sql",
                    .klass = PW_CLASS_SERVER,
                    .os = "Windows Server 2022",
                    .os_version = "10.0.20348",
                    .cf = s_cf,
                    .cf_count = 2,
                    .tags = s_tags,
                    .tag_count = 2,
                    .subscribed = true};
    return a;
}

static void
s_test_cf_and_tags (void)
{
    pw_agent_t a = s_agent ();
    PW_CHECK_STR (pw_agent_cf (&a, "PatchWindow"), "SAT-A");
    PW_CHECK_STR (pw_agent_cf (&a, "ManualPatchReason"), "LOB app");
    PW_CHECK (pw_agent_cf (&a, "patchwindow") == NULL);
    PW_CHECK (pw_agent_cf (&a, "Zzz") == NULL);
    PW_CHECK (pw_agent_has_tag (&a, "no_patch"));
    PW_CHECK (pw_agent_has_tag (&a, "critical"));
    PW_CHECK (!pw_agent_has_tag (&a, "dc"));
}

static void
s_test_group_under (void)
{
    PW_CHECK (pw_group_under ("servers.sql", "servers"));
    PW_CHECK (pw_group_under ("servers", "servers"));
    PW_CHECK (!pw_group_under ("serversx", "servers"));
    PW_CHECK (!pw_group_under ("servers", "servers.sql"));
    PW_CHECK (pw_group_under ("", ""));
    PW_CHECK (pw_group_under ("workstations", ""));
}

static void
s_test_class_and_subscription (void)
{
    pw_class_t k = PW_CLASS_UNKNOWN;
    PW_CHECK_INT (pw_class_parse ("Server", &k), 0);
    PW_CHECK_INT (k, PW_CLASS_SERVER);
    PW_CHECK_INT (pw_class_parse ("laptop", &k), -1);
    PW_CHECK_STR (pw_class_name (PW_CLASS_WORKSTATION), "workstation");
    pw_agent_t a = s_agent ();
    PW_CHECK (pw_agent_inventory_subscribed (&a));
    pw_org_t off = s_org;
    off.subscribed = false;
    a.org = &off;
    PW_CHECK (!pw_agent_inventory_subscribed (&a));
}

int
main (int argc, char **argv)
{
    PW_TEST_BEGIN (argc, argv);
    PW_RUN (s_test_cf_and_tags);
    PW_RUN (s_test_group_under);
    PW_RUN (s_test_class_and_subscription);
    return PW_TEST_END ();
}
