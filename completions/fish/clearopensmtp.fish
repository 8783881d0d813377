complete -c clearopensmtp -s t -d 'only rebuild the tcprules cdb'
complete -c clearopensmtp -s s -d 'only clear the relay table'
