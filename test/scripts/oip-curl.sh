#!/usr/bin/env bash
# Talks to a parm-bench instance server with curl, an Open Inference Protocol client that is not
# parm-bench's own. Used by test/oip-curl.test.ts.
#
# Usage: oip-curl.sh BASE_URL MODEL_NAME WORK_DIR
# WORK_DIR holds the request bodies the test wrote: request.json, request.bin (+ request.bin.hlen,
# the length of its JSON header), bad-shape.json, bad-datatype.json, oversized.json.
# For each check it saves the answer (CHECK.out) and its HTTP headers (CHECK.headers) in WORK_DIR
# and prints one line: "CHECK HTTP_STATUS" (or "CHECK curl-error-N" if curl itself failed).
set -uo pipefail
base=$1
model=$2
dir=$3

check() {
  local name=$1
  shift
  local code
  code=$(curl -sS --max-time 20 -o "$dir/$name.out" -D "$dir/$name.headers" -w '%{http_code}' "$@" 2>"$dir/$name.stderr")
  local rc=$?
  if [ "$rc" -ne 0 ]; then code="curl-error-$rc"; fi
  echo "$name $code"
}

infer="$base/v2/models/$model/infer"
json=(-X POST -H 'Content-Type: application/json')

check live "$base/v2/health/live"
check ready "$base/v2/health/ready"
check server-metadata "$base/v2"
check model-metadata "$base/v2/models/$model"
check model-ready "$base/v2/models/$model/ready"
check infer-json "${json[@]}" --data-binary @"$dir/request.json" "$infer"
check infer-binary -X POST -H 'Content-Type: application/octet-stream' \
  -H "Inference-Header-Content-Length: $(cat "$dir/request.bin.hlen")" --data-binary @"$dir/request.bin" "$infer"
check wrong-shape "${json[@]}" --data-binary @"$dir/bad-shape.json" "$infer"
check wrong-datatype "${json[@]}" --data-binary @"$dir/bad-datatype.json" "$infer"
# Oversized, once sent outright and once announced with Expect: 100-continue.
check oversized-body "${json[@]}" -H 'Expect:' --data-binary @"$dir/oversized.json" "$infer"
check oversized-expect "${json[@]}" -H 'Expect: 100-continue' --data-binary @"$dir/oversized.json" "$infer"
check unknown-model "${json[@]}" --data-binary @"$dir/request.json" "$base/v2/models/no-such-model/infer"
check unknown-model-metadata "$base/v2/models/no-such-model"
