COPY pw_tmp_profile_status FROM STDIN (FORMAT binary)
