# Copyright 2026 The Hopscope authors
# SPDX-License-Identifier: GPL-3.0-or-later

"""Helpers of the integration tests: the test networks (hsnet)."""
