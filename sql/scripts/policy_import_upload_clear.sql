-- No upload is open any more: empty the upload staging tables whole (temp
-- tables are not vacuumed; deleted rows would stay as dead space).
TRUNCATE pw_upload_agents, pw_upload_patches, pw_upload_scans
