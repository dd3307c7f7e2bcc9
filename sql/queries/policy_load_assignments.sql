SELECT policy, level, org, group_path, hostname, view, priority FROM assignments ORDER BY ordinal
