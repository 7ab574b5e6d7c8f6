"""The load test's users (bench/load.py runs this headless): half a province's staff, half the
head of the province with the most communes, each logged in already (a session each, made by
bench/load.py). Each opens, in equal shares, the ranking of the province's communes, the ranking
of every commune of the country, one of the province's communes' scorecard and the bare view.
BENCH_LOAD (JSON) says which sessions, pages and units."""

import json
import os
import random

from locust import HttpUser, between, task

LOAD = json.loads(os.environ["BENCH_LOAD"])


class Reader(HttpUser):
    abstract = True
    role = ""
    wait_time = between(0.5, 1.5)  # a person reading, not a flood

    def on_start(self):
        self.client.cookies.set("sessionid", LOAD["sessions"][self.role])

    def read(self, path, name):
        # Anything but the page itself is an error: a redirect to the login page would be fast,
        # and measure nothing.
        with self.client.get(path, name=name, allow_redirects=False, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} {response.headers.get('Location', '')}")

    @task
    def rankings_group(self):
        self.read(LOAD["rankings_group"], f"{self.role} rankings group")

    @task
    def rankings_all(self):
        self.read(LOAD["rankings_all"], f"{self.role} rankings all")

    @task
    def scorecard(self):
        self.read(f"/units/{random.choice(LOAD['units'])}/{LOAD['scorecard_query']}", f"{self.role} scorecard")

    @task
    def bare(self):
        self.read("/bench/bare/", "bare")


class Staff(Reader):
    role = "staff"


class Head(Reader):
    role = "head"
