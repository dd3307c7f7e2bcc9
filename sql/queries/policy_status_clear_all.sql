DELETE FROM profile_status
