complete -c crc -s i -d 'initial CRC value' -r
complete -c crc -s t -d 'append ,tag=<tag> to the verbose listing' -r
complete -c crc -s v -d 'verbose listing: permissions, owner, group, mtime and name'
complete -c crc -s d -d 'display the CRC in decimal (default hexadecimal)'
