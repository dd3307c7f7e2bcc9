/*  policy_config - conversion of setup sections into the resolver's terms. */
#include "policy_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

policy_config_t *
policy_config_new (void)
{
    policy_config_t *self = pw_calloc (1, sizeof *self);
    self->arena = pw_arena_new ();
    self->scan_gap_s = 86400;
    self->scan_max_age_s = 7 * 86400;
    self->review_max_age_s = 14 * 86400;
    self->timezone = "UTC";
    return self;
}

void
policy_config_destroy (policy_config_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    pw_arena_destroy (&(*self_p)->arena);
    free (*self_p);
    *self_p = NULL;
}

pw_action_t
policy_config_action (pw_setup_action_t action)
{
    switch (action) {
        case PW_SETUP_APPROVE: return PW_ACTION_APPROVE;
        case PW_SETUP_REVIEW: return PW_ACTION_REVIEW;
        case PW_SETUP_DENY: return PW_ACTION_DENY;
    }
    return PW_ACTION_NONE;
}

static const char *s_days [] = {"", "mon", "tue", "wed", "thu", "fri", "sat", "sun"};
static const char *s_reboots [] = {"never", "when_required", "always"};

static const char *
s_task (pw_arena_t *arena, const pw_setup_task_t *task)
{
    switch (task->kind) {
        case PW_SETUP_TASK_DISABLE_MONITORS: return "disable_monitors";
        case PW_SETUP_TASK_ENABLE_MONITORS: return "enable_monitors";
        case PW_SETUP_TASK_REBOOT_BEFORE: return "reboot_before";
        case PW_SETUP_TASK_RUN: {
            char *text = pw_sprintf ("run:%s", task->script ? task->script : "");
            const char *copy = pw_arena_strdup (arena, text);
            free (text);
            return copy;
        }
    }
    return "unknown";
}

//  Adds one setting with COUNT values (copied into the arena).
static void
s_add (pw_arena_t *arena, policy_system_policy_t *policy, pw_setting_t setting,
       const char *const *values, size_t count, bool list)
{
    policy_setting_value_t *value = &policy->settings [policy->setting_count++];
    value->setting = setting;
    value->list = list;
    value->count = count;
    const char **copy = pw_arena_alloc (arena, sizeof (char *) * (count ? count : 1));
    for (size_t i = 0; i < count; i++)
        copy [i] = pw_arena_strdup (arena, values [i]);
    value->values = copy;
}

static void
s_add1 (pw_arena_t *arena, policy_system_policy_t *policy, pw_setting_t setting, const char *value)
{
    s_add (arena, policy, setting, &value, 1, false);
}

static void
s_add_tasks (pw_arena_t *arena, policy_system_policy_t *policy, pw_setting_t setting,
             const pw_setup_task_t *tasks, size_t count)
{
    const char **names = pw_arena_alloc (arena, sizeof (char *) * (count ? count : 1));
    for (size_t i = 0; i < count; i++)
        names [i] = s_task (arena, &tasks [i]);
    s_add (arena, policy, setting, names, count, true);
}

static void
s_convert_settings (pw_arena_t *arena, const pw_setup_policy_settings_t *in,
                    policy_system_policy_t *out)
{
    out->settings = pw_arena_alloc (arena, sizeof (policy_setting_value_t) * PW_SETTING_COUNT);
    char text [128];
    if (in->set & PW_SETUP_HAS_PATCH_POLICIES)
        s_add (arena, out, PW_SETTING_PATCH_POLICIES, in->patch_policies, in->patch_policy_count,
               true);
    if (in->set & PW_SETUP_HAS_PATCH_POLICIES_REMOVE)
        s_add (arena, out, PW_SETTING_PATCH_POLICIES_REMOVE, in->patch_policies_remove,
               in->patch_policy_remove_count, true);
    if (in->set & PW_SETUP_HAS_SUBSCRIBED)
        s_add1 (arena, out, PW_SETTING_SUBSCRIBED, in->subscribed ? "true" : "false");
    if (in->set & PW_SETUP_HAS_SCAN) {
        snprintf (text, sizeof text, "%s %02d:%02d", s_days [in->scan.day], in->scan.minute / 60,
                  in->scan.minute % 60);
        s_add1 (arena, out, PW_SETTING_SCAN, text);
    }
    if (in->set & PW_SETUP_HAS_UPDATE_WINDOW)
        s_add1 (arena, out, PW_SETTING_UPDATE_WINDOW, in->update_window);
    if (in->set & PW_SETUP_HAS_REBOOT)
        s_add1 (arena, out, PW_SETTING_REBOOT, s_reboots [in->reboot]);
    if (in->set & PW_SETUP_HAS_PRE_TASKS)
        s_add_tasks (arena, out, PW_SETTING_PRE_TASKS, in->pre_tasks, in->pre_task_count);
    if (in->set & PW_SETUP_HAS_POST_TASKS)
        s_add_tasks (arena, out, PW_SETTING_POST_TASKS, in->post_tasks, in->post_task_count);
    if (in->set & PW_SETUP_HAS_HEALTH_CHECK) {
        if (in->health_check.kind == PW_SETUP_CHECK_TCP)
            snprintf (text, sizeof text, "tcp:%d timeout=%lld", in->health_check.port,
                      (long long)in->health_check.timeout);
        else
            snprintf (text, sizeof text, "agent_checkin timeout=%lld",
                      (long long)in->health_check.timeout);
        s_add1 (arena, out, PW_SETTING_HEALTH_CHECK, text);
    }
    if (in->set & PW_SETUP_HAS_MANUAL_PATCHING)
        s_add1 (arena, out, PW_SETTING_MANUAL_PATCHING, in->manual_patching_reason);
}

static pw_rule_t
s_rule (pw_setup_action_t action, int after_days)
{
    pw_rule_t rule = {policy_config_action (action), after_days};
    return rule;
}

policy_config_t *
policy_config_from_setup (const pw_setup_t *setup)
{
    policy_config_t *self = policy_config_new ();
    pw_arena_t *arena = self->arena;
    self->scan_gap_s = setup->settings.scan_gap;
    self->scan_max_age_s = setup->settings.scan_max_age;
    self->review_max_age_s = setup->settings.review_max_age;
    self->timezone =
        pw_arena_strdup (arena, setup->settings.timezone ? setup->settings.timezone : "UTC");

    self->view_count = setup->view_count;
    self->views = pw_arena_alloc (arena, sizeof (policy_view_t) * (setup->view_count + 1));
    for (size_t i = 0; i < setup->view_count; i++) {
        self->views [i].name = pw_arena_strdup (arena, setup->views [i].name);
        self->views [i].filter = pw_arena_strdup (arena, setup->views [i].filter);
        self->views [i].description = pw_arena_strdup (
            arena, setup->views [i].description ? setup->views [i].description : "");
    }

    self->patch_policy_count = setup->patch_policy_count;
    self->patch_policies =
        pw_arena_alloc (arena, sizeof (policy_patch_policy_t) * (setup->patch_policy_count + 1));
    for (size_t i = 0; i < setup->patch_policy_count; i++) {
        const pw_setup_patch_policy_t *in = &setup->patch_policies [i];
        policy_patch_policy_t *out = &self->patch_policies [i];
        out->description = pw_arena_strdup (arena, in->description ? in->description : "");
        out->policy.name = pw_arena_strdup (arena, in->name);
        out->policy.baseline = in->baseline;
        out->policy.deny_superseded = in->deny_superseded;
        out->policy.default_rule = s_rule (in->default_action, 0);
        for (int c = 0; c < PW_CLASSIFICATION_COUNT && c < PW_SETUP_CLASSIFICATION_COUNT; c++)
            if (in->classifications [c].set)
                out->policy.classification_rules [c] =
                    s_rule (in->classifications [c].action, in->classifications [c].after_days);
        pw_product_rule_t *rules =
            pw_arena_alloc (arena, sizeof (pw_product_rule_t) * (in->product_count + 1));
        for (size_t r = 0; r < in->product_count; r++) {
            rules [r].product = pw_arena_strdup (arena, in->products [r].match);
            rules [r].rule = s_rule (in->products [r].action, in->products [r].after_days);
        }
        out->policy.product_rules = rules;
        out->policy.product_rule_count = in->product_count;
    }

    self->override_count = setup->kb_override_count;
    self->overrides =
        pw_arena_alloc (arena, sizeof (policy_override_t) * (setup->kb_override_count + 1));
    for (size_t i = 0; i < setup->kb_override_count; i++) {
        self->overrides [i].kb = pw_arena_strdup (arena, setup->kb_overrides [i].kb);
        self->overrides [i].action = policy_config_action (setup->kb_overrides [i].action);
        self->overrides [i].note = pw_arena_strdup (arena, setup->kb_overrides [i].note);
    }

    self->system_policy_count = setup->system_policy_count;
    self->system_policies =
        pw_arena_alloc (arena, sizeof (policy_system_policy_t) * (setup->system_policy_count + 1));
    for (size_t i = 0; i < setup->system_policy_count; i++) {
        const pw_setup_system_policy_t *in = &setup->system_policies [i];
        policy_system_policy_t *out = &self->system_policies [i];
        out->name = pw_arena_strdup (arena, in->name);
        out->description = pw_arena_strdup (arena, in->description ? in->description : "");
        s_convert_settings (arena, &in->settings, out);
    }

    self->assignment_count = setup->assignment_count;
    self->assignments =
        pw_arena_alloc (arena, sizeof (policy_assignment_t) * (setup->assignment_count + 1));
    for (size_t i = 0; i < setup->assignment_count; i++) {
        const pw_setup_assignment_t *in = &setup->assignments [i];
        policy_assignment_t *out = &self->assignments [i];
        out->policy = pw_arena_strdup (arena, in->policy);
        out->level = (pw_level_t)in->level;
        out->org = pw_arena_strdup (arena, in->org);
        out->group = pw_arena_strdup (arena, in->group);
        out->hostname =
            in->level == PW_SETUP_LEVEL_AGENT ? pw_arena_strdup (arena, in->target) : NULL;
        out->view = pw_arena_strdup (arena, in->view);
        out->priority = in->priority;
    }
    return self;
}

void
policy_config_settings_json (const policy_system_policy_t *policy, pw_strbuf_t *out)
{
    pw_strbuf_append (out, "{");
    for (size_t i = 0; i < policy->setting_count; i++) {
        const policy_setting_value_t *value = &policy->settings [i];
        pw_strbuf_append (out, i ? "," : "");
        pw_strbuf_append_json (out, pw_setting_info (value->setting)->name);
        pw_strbuf_append (out, ":");
        if (value->list) {
            pw_strbuf_append (out, "[");
            for (size_t v = 0; v < value->count; v++) {
                pw_strbuf_append (out, v ? "," : "");
                pw_strbuf_append_json (out, value->values [v]);
            }
            pw_strbuf_append (out, "]");
        } else
            pw_strbuf_append_json (out, value->values [0]);
    }
    pw_strbuf_append (out, "}");
}
