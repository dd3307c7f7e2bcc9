COPY pw_tmp_patch_status FROM STDIN
