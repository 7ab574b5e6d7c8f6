"""The load test's users (bench/load.py runs this headless): each logs in as the benchmark's staff
user, then opens the rankings page of every commune of the country, a commune's scorecard, or the
bare view, in equal shares. BENCH_LOAD (JSON) says who, which index and year, and which units."""

import json
import os
import random
import re

from locust import HttpUser, between, task

LOAD = json.loads(os.environ["BENCH_LOAD"])
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Reader(HttpUser):
    wait_time = between(0.5, 1.5)  # a person reading, not a flood

    def on_start(self):
        page = self.client.get("/login/", name="login")
        token = CSRF.search(page.text).group(1)
        response = self.client.post("/login/", {"username": LOAD["username"], "password": LOAD["password"],
                                                "csrfmiddlewaretoken": token}, name="login", allow_redirects=False)  # fmt: skip
        if response.status_code != 302:
            raise RuntimeError(f"the benchmark user cannot log in: {response.status_code}")

    @task
    def rankings(self):
        self.client.get(LOAD["rankings"], name="rankings")

    @task
    def scorecard(self):
        self.client.get(f"/units/{random.choice(LOAD['units'])}/{LOAD['scorecard_query']}", name="scorecard")

    @task
    def bare(self):
        self.client.get("/bench/bare/", name="bare")
