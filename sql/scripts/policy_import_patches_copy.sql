COPY pw_tmp_patches FROM STDIN
