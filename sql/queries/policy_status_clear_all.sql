DELETE FROM patch_status
