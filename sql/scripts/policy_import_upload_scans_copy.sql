COPY pw_upload_scans FROM STDIN
