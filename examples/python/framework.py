#!/usr/bin/env python3
"""A framework for meso (or Apache Mesos) in Python 3 with only the standard library.

It speaks the v1 scheduler HTTP API directly: SUBSCRIBE opens a RecordIO stream of events
(`<length>\\n<JSON>` repeated); every other call is a POST carrying the Mesos-Stream-Id header.
It launches --tasks tasks of cpus:0.5;mem:64 running --command, acknowledges every status update,
and exits 0 once all of them finished (1 if any ended otherwise, or on --timeout). Given
--principal and --secret-file it authenticates to a master that requires it (HTTP Basic).

    python3 examples/python/framework.py --master 127.0.0.1:5050 [--tasks 3] [--command CMD]
    python3 examples/python/framework.py --master zk://127.0.0.1:2181/mesos   (with kazoo)
    python3 examples/python/framework.py --master ... --principal P --secret-file FILE
"""

import argparse
import base64
import http.client
import json
import os
import socket
import stat
import sys
import time
from urllib.parse import urlsplit

SCHEDULER_PATH = "/api/v1/scheduler"
TASK_CPUS = 0.5
TASK_MEM_MB = 64
TERMINAL_STATES = {
    "TASK_FINISHED", "TASK_FAILED", "TASK_KILLED", "TASK_ERROR", "TASK_LOST",
    "TASK_DROPPED", "TASK_GONE", "TASK_GONE_BY_OPERATOR",
}
JSON_HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}


def log(line):
    print(line, flush=True)


def read_secret(path):
    """The secret in the file at path (one line; surrounding whitespace dropped). The file must be
    readable by its owner only, as the master's credentials file must."""
    try:
        mode = os.stat(path).st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise ValueError("--secret-file %s may be read by others than its owner; chmod 600 it" % path)
        with open(path, encoding="utf-8") as f:
            secret = f.read().strip()
    except OSError as error:
        raise ValueError("--secret-file %s cannot be read: %s" % (path, error.strerror)) from None
    if not secret:
        raise ValueError("--secret-file %s is empty" % path)
    return secret


def basic_authorization(principal, secret):
    """The Authorization header of HTTP Basic, as Mesos's default authenticator reads it."""
    token = base64.b64encode(("%s:%s" % (principal, secret)).encode("utf-8")).decode("ascii")
    return {"Authorization": "Basic " + token}


def split_host_port(text):
    """('127.0.0.1', 5050) from '127.0.0.1:5050' (a scheme or '//' in front is dropped)."""
    text = text.split("//", 1)[-1].split("/", 1)[0]
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError("master must be host:port, got %r" % text)
    return host.strip("[]"), int(port)


def leader_in_zookeeper(url, timeout):
    """host:port of the leading master of a zk://host1:port1,host2:port2/path group, read as Mesos
    lays it out: the lowest json.info_ child of the path holds the leader's MasterInfo. Needs the
    ZooKeeper client kazoo, the one library this example uses when given a zk:// URL."""
    hosts, _, path = url[len("zk://"):].partition("/")
    if not hosts or not path:
        raise ValueError("a ZooKeeper URL is zk://host1:port1,host2:port2/path, got %r" % url)
    try:
        from kazoo.client import KazooClient
    except ImportError:
        raise ValueError(
            "--master zk://... needs the Python ZooKeeper client kazoo (apt-get install python3-kazoo, "
            "or pip install kazoo); without it give any master's host:port: a standby redirects "
            "to the leader") from None
    client = KazooClient(hosts=hosts, timeout=min(timeout, 10))
    try:
        client.start(timeout=min(timeout, 10))
        members = sorted(c for c in client.get_children("/" + path) if c.startswith("json.info_"))
        if not members:
            raise ValueError("no master is in the ZooKeeper group %s" % url)
        info = json.loads(client.get("/%s/%s" % (path, members[0]))[0].decode("utf-8"))
    except ValueError:
        raise
    except Exception as error:  # kazoo's own errors: a timeout, a missing path
        reason = type(error).__name__ + (": %s" % error if str(error) else "")
        raise RuntimeError("could not read the leader from %s: %s" % (url, reason)) from None
    finally:
        client.stop()
        client.close()
    address = info.get("address", {})
    host = address.get("ip") or address.get("hostname") or info["hostname"]
    log("The leading master in %s is at %s:%d" % (url, host, address.get("port", info["port"])))
    return "%s:%d" % (host, address.get("port", info["port"]))


class Scheduler:
    """One subscription to a master's scheduler API and the calls made on it."""

    def __init__(self, master, framework_info, authorization=None):
        self.host, self.port = split_host_port(master)
        self.headers = dict(JSON_HEADERS, **(authorization or {}))
        self.principal = framework_info.get("principal")
        self.path = SCHEDULER_PATH
        self.framework_info = framework_info
        self.framework_id = None
        self.stream_id = None
        self.stream = None
        self.stream_connection = None
        self.calls = None

    def subscribe(self, deadline):
        """POSTs SUBSCRIBE, following 307 redirects and retrying 503 and unreachable masters until
        the deadline (a time.monotonic() value); returns the open response."""
        call = {"type": "SUBSCRIBE", "subscribe": {"framework_info": self.framework_info}}
        body = json.dumps(call)
        attempt = 0
        while True:
            attempt += 1
            left = deadline - time.monotonic()
            if left <= 0:
                raise RuntimeError("could not subscribe at %s:%d before --timeout" % (self.host, self.port))
            conn = http.client.HTTPConnection(self.host, self.port, timeout=min(30, left))
            try:
                conn.request("POST", self.path, body=body, headers=self.headers)
                response = conn.getresponse()
            except OSError as error:
                conn.close()
                self.wait(attempt, deadline, "Cannot reach %s:%d: %s" % (self.host, self.port, error))
                continue
            if response.status == 200:
                self.stream_id = response.getheader("Mesos-Stream-Id")
                self.stream = response
                self.stream_connection = conn
                return response
            text = response.read().decode("utf-8", "replace")
            conn.close()
            if response.status in (301, 302, 303, 307, 308):
                # Mesos answers with a protocol-relative Location: //leader:port/api/v1/scheduler.
                target = response.getheader("Location", "")
                location = urlsplit("http:" + target if target.startswith("//") else target)
                self.host, self.port = location.hostname, location.port or 80
                self.path = location.path or SCHEDULER_PATH
                log("Redirected to the leading master at %s:%d" % (self.host, self.port))
                continue
            if response.status == 401:
                if self.principal is None:
                    raise RuntimeError("the master requires authentication (401): give --principal "
                                       "and --secret-file")
                raise RuntimeError("the master refused the credentials of principal %r (401): "
                                   "check --principal and --secret-file" % self.principal)
            if response.status == 503:
                self.wait(attempt, deadline, "The master is not ready (%s)" % text.strip())
                continue
            raise RuntimeError("SUBSCRIBE answered %d: %s" % (response.status, text.strip()))

    @staticmethod
    def wait(attempt, deadline, why):
        """Says why the attempt failed and how long until the next and until giving up, then sleeps."""
        left = deadline - time.monotonic()
        if left <= 0:
            raise RuntimeError("%s; gave up after --timeout" % why)
        delay = min(0.2 * 2 ** attempt, 5, left)
        log("%s; retrying in %.1f s (giving up in %.0f s)" % (why, delay, left))
        time.sleep(delay)

    def events(self):
        """Yields the events of the stream: a length line, then exactly that many bytes of JSON."""
        while True:
            line = self.stream.readline()
            if not line:
                return
            length = int(line.strip())
            data = self.stream.read(length)
            if len(data) < length:
                return
            yield json.loads(data.decode("utf-8"))

    def call(self, call_type, body=None):
        """POSTs a call on the subscription; returns the HTTP status (202 when accepted)."""
        call = {"type": call_type, "framework_id": {"value": self.framework_id}}
        if body is not None:
            call[call_type.lower()] = body
        headers = dict(self.headers, **{"Mesos-Stream-Id": self.stream_id})
        for _ in range(2):
            if self.calls is None:
                self.calls = http.client.HTTPConnection(self.host, self.port, timeout=30)
            try:
                self.calls.request("POST", self.path, body=json.dumps(call), headers=headers)
                response = self.calls.getresponse()
                text = response.read().decode("utf-8", "replace")
            except (OSError, http.client.HTTPException):
                # A kept-alive connection the master closed: open a new one once.
                self.calls.close()
                self.calls = None
                continue
            if response.status not in (200, 202):
                log("%s answered %d: %s" % (call_type, response.status, text.strip()))
            return response.status
        return 0


def scalar(offer, name):
    return sum(r.get("scalar", {}).get("value", 0) for r in offer["resources"]
               if r["name"] == name and r.get("type") == "SCALAR")


class TaskRunner:
    """Launches the tasks on the offers it gets and follows their updates."""

    def __init__(self, scheduler, tasks, command):
        self.scheduler = scheduler
        self.wanted = tasks
        self.command = command
        self.launched = 0
        self.finished = 0
        self.failed = None

    def task_info(self, offer):
        role = offer.get("allocation_info", {}).get("role", "*")

        def resource(name, value):
            return {"name": name, "type": "SCALAR", "scalar": {"value": value},
                    "allocation_info": {"role": role}}

        task_id = "py-%d" % self.launched
        self.launched += 1
        return {
            "name": "python task %s" % task_id,
            "task_id": {"value": task_id},
            "agent_id": offer["agent_id"],
            "resources": [resource("cpus", TASK_CPUS), resource("mem", TASK_MEM_MB)],
            "command": {"value": self.command, "shell": True},
        }

    def offers(self, offers):
        declined = []
        for offer in offers:
            cpus, mem = scalar(offer, "cpus"), scalar(offer, "mem")
            tasks = []
            while (self.launched < self.wanted and self.failed is None
                   and cpus >= TASK_CPUS and mem >= TASK_MEM_MB):
                tasks.append(self.task_info(offer))
                cpus -= TASK_CPUS
                mem -= TASK_MEM_MB
            if not tasks:
                declined.append(offer["id"])
                continue
            log("Launching %s on agent %s" % (", ".join(t["task_id"]["value"] for t in tasks),
                                              offer["agent_id"]["value"]))
            self.scheduler.call("ACCEPT", {
                "offer_ids": [offer["id"]],
                "operations": [{"type": "LAUNCH", "launch": {"task_infos": tasks}}],
                "filters": {"refuse_seconds": 1},
            })
        if declined:
            self.scheduler.call("DECLINE", {"offer_ids": declined, "filters": {"refuse_seconds": 5}})

    def update(self, status):
        task_id, state = status["task_id"]["value"], status["state"]
        message = status.get("message")
        log("Task %s is in state %s%s" % (task_id, state, ": " + message if message else ""))
        if "uuid" in status and "agent_id" in status:
            self.scheduler.call("ACKNOWLEDGE", {
                "agent_id": status["agent_id"], "task_id": status["task_id"], "uuid": status["uuid"],
            })
        if state == "TASK_FINISHED":
            self.finished += 1
        elif state in TERMINAL_STATES and self.failed is None:
            self.failed = "task %s ended in %s (%s)" % (task_id, state, message or "no message")

    def done(self):
        return self.failed is not None or self.finished >= self.wanted


def run(args):
    framework_info = {
        "user": "root",
        "name": "meso python example",
        "roles": ["*"],
        "capabilities": [{"type": "MULTI_ROLE"}],
        "failover_timeout": 0,
    }
    authorization = None
    if args.principal is not None:
        framework_info["principal"] = args.principal
        authorization = basic_authorization(args.principal, read_secret(args.secret_file))
    master = args.master
    if master.startswith("zk://"):
        master = leader_in_zookeeper(master, args.timeout)
    scheduler = Scheduler(master, framework_info, authorization)
    runner = TaskRunner(scheduler, args.tasks, args.command)
    deadline = time.monotonic() + args.timeout
    scheduler.subscribe(deadline)
    for event in scheduler.events():
        kind = event["type"]
        if kind == "SUBSCRIBED":
            scheduler.framework_id = event["subscribed"]["framework_id"]["value"]
            heartbeat = event["subscribed"].get("heartbeat_interval_seconds", 15)
            # A stream silent for three heartbeats is dead: reading it then times out.
            if scheduler.stream_connection.sock is not None:
                scheduler.stream_connection.sock.settimeout(3 * heartbeat)
            log("Subscribed as framework %s" % scheduler.framework_id)
        elif kind == "OFFERS":
            runner.offers(event["offers"]["offers"])
        elif kind == "UPDATE":
            runner.update(event["update"]["status"])
        elif kind == "ERROR":
            runner.failed = "the master sent an error: %s" % event["error"]["message"]
        if runner.done() or time.monotonic() > deadline:
            break
    if not runner.done() and runner.failed is None:
        runner.failed = "stopped after %d of %d tasks finished" % (runner.finished, runner.wanted)
    if scheduler.framework_id is not None:
        scheduler.call("TEARDOWN")
    if runner.failed is not None:
        log("Failed: %s" % runner.failed)
        return 1
    log("All %d tasks finished" % runner.wanted)
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--master", required=True,
        help="host:port of a master, or zk://host1:port1,.../path of the group (needs kazoo)")
    parser.add_argument("--tasks", type=int, default=3, help="number of tasks (default 3)")
    parser.add_argument("--command", default="echo hello from python", help="shell command of each task")
    parser.add_argument("--timeout", type=float, default=120, help="seconds before giving up (default 120)")
    parser.add_argument("--principal", help="the framework's principal, for a master that authenticates")
    parser.add_argument("--secret-file", help="file holding the principal's secret (mode 0600)")
    args = parser.parse_args()
    if args.tasks < 1:
        parser.error("--tasks must be at least 1")
    if (args.principal is None) != (args.secret_file is None):
        parser.error("--principal and --secret-file go together")
    if args.principal is not None and (not args.principal or ":" in args.principal):
        parser.error("--principal must be non-empty and without ':'")
    try:
        return run(args)
    except (RuntimeError, ValueError, OSError, socket.timeout) as error:
        log("Error: %s" % error)
        return 1


if __name__ == "__main__":
    sys.exit(main())
