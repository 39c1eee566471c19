#!/bin/sh
# Entrypoint of a Cloud Run Job with N tasks: each task syncs its own shard of the plans.
# Cloud Run sets CLOUD_RUN_TASK_INDEX (0 … N-1) and CLOUD_RUN_TASK_COUNT. All tasks share one
# service account, so they split its per-minute Sheets quota between them.
set -eu
index="${CLOUD_RUN_TASK_INDEX:-0}"
count="${CLOUD_RUN_TASK_COUNT:-1}"
per_identity="${MAPWS_MAX_RPM:-60}"
rpm=$(( per_identity / count ))
[ "$rpm" -ge 1 ] || rpm=1
exec mapws sync --all --shard "$index/$count" --max-rpm "$rpm" --quiet --json "$@"
