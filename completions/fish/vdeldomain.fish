complete -c vdeldomain -s c -d 'remove MCD information (clustered; accepted, nothing to do here)'
complete -c vdeldomain -s T -d 'remove an ETRN/ATRN/AUTOTURN domain'
complete -c vdeldomain -s v -d 'verbose'
