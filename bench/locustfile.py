"""The load test's users (bench/load.py runs this headless): each is the benchmark's staff user,
logged in already (one session, made by bench/load.py), and opens the rankings page of a
province's communes, one of those communes' scorecard, or the bare view, in equal shares.
BENCH_LOAD (JSON) says which session, pages and units."""

import json
import os
import random

from locust import HttpUser, between, task

LOAD = json.loads(os.environ["BENCH_LOAD"])


class Reader(HttpUser):
    wait_time = between(0.5, 1.5)  # a person reading, not a flood

    def on_start(self):
        self.client.cookies.set("sessionid", LOAD["session"])

    def read(self, path, name):
        # Anything but the page itself is an error: a redirect to the login page would be fast,
        # and measure nothing.
        with self.client.get(path, name=name, allow_redirects=False, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} {response.headers.get('Location', '')}")

    @task
    def rankings(self):
        self.read(LOAD["rankings"], "rankings")

    @task
    def scorecard(self):
        self.read(f"/units/{random.choice(LOAD['units'])}/{LOAD['scorecard_query']}", "scorecard")

    @task
    def bare(self):
        self.read("/bench/bare/", "bare")
