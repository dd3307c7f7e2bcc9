-- The plain-SQL baseline of `make bench`: patch approval (DESIGN 2.1 and
-- 2.2) written as set-based SQL over the same tables the policy service
-- reads, writing the same output rows into scratch tables (bench_sql_*,
-- created by pw_bench with LIKE ... INCLUDING ALL). Run as the superuser in
-- one transaction, with the tenant in the session setting bench.tenant.
--
-- The output is the stored form the service writes (migrations 010 and
-- 015): the effective settings with each agent's status profile
-- (bench_sql_settings; agents that agree on subscription, existing member
-- patch policies and ignore list share a profile, named by pw_profile_id of
-- pw_profile_key; the view bench_sql_profiles lists them as agent_profiles
-- does the service's), and the status of every patch some agent of a
-- profile misses or failed, once per profile (bench_sql_profile_status).
-- pw_bench reads the per-agent statuses through them (the view
-- bench_sql_status, as patch_status reads the service's).
--
-- What it takes as input that the service computes itself: each agent's
-- effective patch-policy memberships and subscription (agent_settings),
-- because system policies are assigned through views, a filter language
-- SQL does not evaluate. The baseline therefore does less work than the
-- service. Product globs are fnmatch globs (*, ?), matched case-folded.

-- Tuned as the services' own sessions that run big set-based reads are
-- (sql/scripts/audit_session.sql): no JIT, whose compile of this statement
-- took longer than the statement itself (3 s of 4.5 s at 10,000 agents),
-- and the memory to hash and sort in memory rather than in batches on
-- disk.
SET LOCAL jit = off;
SET LOCAL work_mem = '128MB';

TRUNCATE bench_sql_settings, bench_sql_profile_status;

WITH t AS (SELECT current_setting('bench.tenant') AS tenant),
-- 2.1 step 3: KBs listed in another KB's supersedes-list.
superseded AS MATERIALIZED (
    SELECT DISTINCT ON (x.kb) x.kb, 'superseded by ' || x.by_kb AS rule
      FROM (SELECT lower(s.kb) AS kb, p.kb AS by_kb, p.patch_id
              FROM patches p, unnest(p.supersedes) AS s(kb)
             WHERE p.tenant_id = current_setting('bench.tenant')
               AND lower(s.kb) <> lower(p.kb)) x
     WHERE x.kb IN (SELECT lower(q.kb) FROM patches q
                     WHERE q.tenant_id = current_setting('bench.tenant'))
     ORDER BY x.kb, x.patch_id),
-- Each agent's missing and failed patches, as the service reads them:
-- one row per agent (scan_open, 014_scan_open), unnested.
open_scans AS MATERIALIZED (
    SELECT o.agent_id, u.patch_id
      FROM scan_open o, t, unnest(o.missing || o.failed) AS u(patch_id)
     WHERE o.tenant_id = t.tenant),
-- The patches some scan reports missing or failed.
needed AS MATERIALIZED (
    SELECT p.patch_id, p.kb, p.classification, p.released_at,
           CASE WHEN cardinality(p.products) = 0 THEN ARRAY['(unspecified)'] ELSE p.products END
               AS products
      FROM patches p, t
     WHERE p.tenant_id = t.tenant
       AND p.patch_id IN (SELECT patch_id FROM open_scans)),
rules AS (
    SELECT r.policy, r.ordinal, r.kind, r.match, r.action, r.after_days,
           '^' || replace(replace(regexp_replace(r.match, '([.+^$(){}|\\])', '\\\1', 'g'),
                                  '*', '.*'), '?', '.') || '$' AS re
      FROM patch_policy_rules r, t WHERE r.tenant_id = t.tenant),
-- 2.1: one cell per (policy, patch): action, effective date, provenance.
cells AS MATERIALIZED (
    SELECT pp.name AS policy, n.patch_id,
           coalesce(o.action, d.action, CASE WHEN pp.deny_superseded AND sup.kb IS NOT NULL
                                             THEN 'deny' END, rule.action) AS action,
           CASE WHEN o.action IS NULL AND d.action IS NULL
                     AND NOT (pp.deny_superseded AND sup.kb IS NOT NULL)
                     AND rule.action = 'approve' AND rule.after_days > 0
                THEN n.released_at + make_interval(days => rule.after_days) END AS from_at,
           CASE WHEN o.action IS NOT NULL THEN 'override'
                WHEN d.action IS NOT NULL THEN 'decision'
                WHEN pp.deny_superseded AND sup.kb IS NOT NULL THEN 'superseded'
                ELSE 'rule' END AS kind,
           CASE WHEN o.action IS NOT NULL THEN 'override ' || o.action
                WHEN d.action IS NOT NULL THEN 'decision ' || d.action
                WHEN pp.deny_superseded AND sup.kb IS NOT NULL THEN sup.rule
                ELSE rule.text END AS rule
      FROM patch_policies pp
      JOIN t ON pp.tenant_id = t.tenant
     CROSS JOIN needed n
      LEFT JOIN kb_overrides o ON o.tenant_id = t.tenant AND lower(o.kb) = lower(n.kb)
      LEFT JOIN decisions d ON d.tenant_id = t.tenant AND d.policy = pp.name
                           AND lower(d.kb) = lower(n.kb)
      LEFT JOIN superseded sup ON sup.kb = lower(n.kb)
     CROSS JOIN LATERAL (
           -- the first matching product rule, else the classification's,
           -- else the policy's default
           SELECT x.action, x.after_days, x.text FROM (
               SELECT 0 AS rank, r.ordinal, r.action, r.after_days,
                      'product "' || r.match || '"' AS text
                 FROM rules r
                WHERE r.policy = pp.name AND r.kind = 'product'
                  AND EXISTS (SELECT 1 FROM unnest(n.products) pr WHERE pr ~* r.re)
               UNION ALL
               SELECT 1, r.ordinal, r.action, r.after_days, 'classification ' || r.match
                 FROM rules r
                WHERE r.policy = pp.name AND r.kind = 'classification'
                  AND r.match = n.classification
               UNION ALL
               SELECT 2, 0, pp.default_action, 0, 'default') x
            ORDER BY x.rank, x.ordinal LIMIT 1) rule),
-- 2.2: the agents' inputs: the effective subscription (which includes the
-- agent's and its organization's), memberships and ignore list. Agents
-- with the same inputs are taken together, so each distinct input's member
-- policies that exist and its profile id are worked out once (as the
-- service hashes each distinct key once).
inputs AS MATERIALIZED (
    SELECT s.subscribed, s.patch_policies, a.ignored_kbs, array_agg(a.agent_id) AS agent_ids
      FROM agents a
      JOIN t ON a.tenant_id = t.tenant
      JOIN agent_settings s ON s.tenant_id = a.tenant_id AND s.agent_id = a.agent_id
     GROUP BY s.subscribed, s.patch_policies, a.ignored_kbs),
input_profiles AS MATERIALIZED (
    SELECT i.agent_ids, i.subscribed, mp.policies, i.ignored_kbs,
           pw_profile_id(pw_profile_key(i.subscribed, mp.policies, i.ignored_kbs)) AS profile_id
      FROM inputs i
     CROSS JOIN LATERAL (
           SELECT array_agg(m) AS policies FROM unnest(i.patch_policies) m
            WHERE EXISTS (SELECT 1 FROM patch_policies pp, t
                           WHERE pp.tenant_id = t.tenant AND pp.name = m)) mp),
agent_in AS MATERIALIZED (
    SELECT unnest(ip.agent_ids) AS agent_id, ip.profile_id FROM input_profiles ip),
-- The effective settings, copied (the same rows the service writes), each
-- with its agent's profile.
agent_rows AS (
    INSERT INTO bench_sql_settings (tenant_id, agent_id, subscribed, patch_policies, scan,
                                    update_window, reboot, pre_tasks, post_tasks, health_check,
                                    manual_patching, overridden, resolved_at, profile_id)
    SELECT s.tenant_id, s.agent_id, s.subscribed, s.patch_policies, s.scan, s.update_window,
           s.reboot, s.pre_tasks, s.post_tasks, s.health_check, s.manual_patching, s.overridden,
           s.resolved_at, ai.profile_id
      FROM agent_settings s
      JOIN t ON s.tenant_id = t.tenant
      JOIN agent_in ai ON ai.agent_id = s.agent_id),
-- The inputs of one agent stand for its profile's: they agree on all three.
profiles AS MATERIALIZED (
    SELECT DISTINCT ON (ip.profile_id) ip.profile_id, ip.subscribed, ip.policies, ip.ignored_kbs
      FROM input_profiles ip
     ORDER BY ip.profile_id),
-- The (profile, patch) pairs some agent of the profile misses or failed.
entries AS (
    SELECT pr.profile_id, e.patch_id, pr.subscribed, pr.policies,
           EXISTS (SELECT 1 FROM unnest(pr.ignored_kbs) k WHERE lower(k) = lower(p.kb)) AS ignored
      FROM (SELECT DISTINCT ai.profile_id, s.patch_id
              FROM open_scans s
              JOIN agent_in ai ON ai.agent_id = s.agent_id) e
      JOIN profiles pr ON pr.profile_id = e.profile_id
      JOIN patches p ON p.tenant_id = (SELECT tenant FROM t) AND p.patch_id = e.patch_id),
-- The most restrictive member policy: denied > review > deferred >
-- approved; among deferred the latest date; then the first policy name.
ranked AS (
    SELECT DISTINCT ON (e.profile_id, e.patch_id)
           e.profile_id, e.patch_id, c.policy, c.kind, c.rule,
           CASE c.action WHEN 'deny' THEN 'denied' WHEN 'review' THEN 'review'
                ELSE CASE WHEN c.from_at > now() THEN 'deferred' ELSE 'approved' END END
               AS status,
           CASE WHEN c.action = 'approve' AND c.from_at > now() THEN c.from_at END AS until
      FROM entries e
      JOIN unnest(e.policies) m(policy) ON true
      JOIN cells c ON c.policy = m.policy AND c.patch_id = e.patch_id
     WHERE e.subscribed AND NOT e.ignored
     ORDER BY e.profile_id, e.patch_id,
              CASE c.action WHEN 'deny' THEN 3 WHEN 'review' THEN 2
                   ELSE CASE WHEN c.from_at > now() THEN 1 ELSE 0 END END DESC,
              CASE WHEN c.action = 'approve' AND c.from_at > now() THEN c.from_at END
                  DESC NULLS LAST,
              c.policy COLLATE "C")
INSERT INTO bench_sql_profile_status (tenant_id, profile_id, patch_id, status, until, source_kind,
                                      source_policy, source_rule)
SELECT (SELECT tenant FROM t), e.profile_id, e.patch_id,
       CASE WHEN NOT e.subscribed THEN 'unmanaged'
            WHEN e.ignored THEN 'denied'
            WHEN e.policies IS NULL THEN 'unmanaged'
            ELSE r.status END,
       CASE WHEN e.subscribed AND NOT e.ignored THEN r.until END,
       CASE WHEN NOT e.subscribed OR (NOT e.ignored AND e.policies IS NULL) THEN 'none'
            WHEN e.ignored THEN 'ignore'
            ELSE r.kind END,
       CASE WHEN e.subscribed AND NOT e.ignored AND r.kind <> 'override' THEN r.policy END,
       CASE WHEN NOT e.subscribed THEN 'not subscribed'
            WHEN e.ignored THEN 'ignore list'
            WHEN e.policies IS NULL THEN 'no patch policy'
            ELSE r.rule END
  FROM entries e
  LEFT JOIN ranked r ON r.profile_id = e.profile_id AND r.patch_id = e.patch_id;
