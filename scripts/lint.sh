#!/bin/sh
. "$(dirname "$0")/node.sh"
eslint --max-warnings=0 . && prettier --check --log-level=warn .
