# cmake -P script: writes the service worker with a digest of the app shell files, so any
# change to the shell gives the browser a new sw.js (and a new, clean cache).
# -DTEMPLATE=sw.js.in -DOUTPUT=sw.js -DRDKIT_URL=/vendor/... -DFILES="a|b|c"
string(REPLACE "|" ";" files "${FILES}")
set(digest "")
foreach(f ${files})
  file(SHA256 "${f}" h)
  string(APPEND digest "${h}")
endforeach()
string(SHA256 digest "${digest}")
string(SUBSTRING "${digest}" 0 16 LABELLOOP_SHELL_VERSION)
set(LABELLOOP_RDKIT_URL "${RDKIT_URL}")
configure_file("${TEMPLATE}" "${OUTPUT}" @ONLY)
