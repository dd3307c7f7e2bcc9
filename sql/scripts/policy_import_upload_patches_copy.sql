COPY pw_upload_patches FROM STDIN
