#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# deploy/kubernetes/ validated offline (tests/deploy/kubernetes.test.mjs: the overlay built, every
# object against the Kubernetes schemas and provd's rules, broken copies refused). Needs
# tests/blackbox's npm packages (npm ci there).
set -euo pipefail
cd "$(dirname "$0")/../.."
exec node --test tests/deploy/kubernetes.test.mjs
