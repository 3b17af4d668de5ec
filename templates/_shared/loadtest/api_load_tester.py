"""One endpoint under load, the original product's way:

  npm run loadtest:endpoint -- ENDPOINT [--users N] [--requests N] [--method M] [--data FILE]
      [--headers FILE] [--output text|json|html] [--save FILE] [--gates "p95<200"] [...]
{%- if api_type == 'graphql' %}
  npm run loadtest:endpoint -- http://localhost:{{ port }}/graphql --method POST --data query.json --users 10 --requests 100
{%- else %}
  npm run loadtest:endpoint -- http://localhost:{{ port }}{{ api_prefix }}/posts --users 10 --requests 100 --output json --save run.json
{%- endif %}

ENDPOINT is a URL (or a path, with --host). The run is headless and stops after --requests N in
all, or --run-time (30 s when neither is given); every user starts at once unless --spawn-rate
says otherwise. The other options are Locust's and loadkit's (see loadtest/loadkit.py), and
`--endpoint URL` in place of ENDPOINT works too. Exit codes: 0 done, 1 a gate failed, 2 bad input.
"""

import sys
from pathlib import Path

from locust.main import main

HERE = Path(__file__).resolve().parent


def locust_arguments(args: list[str]) -> list[str]:
    if args and not args[0].startswith("-"):
        args = ["--endpoint", args[0], *args[1:]]
    given = {arg.split("=")[0] for arg in args}
    extra = []
    if "--spawn-rate" not in given and "-r" not in given:
        users = next((args[i + 1] for i, arg in enumerate(args[:-1]) if arg in ("--users", "-u")), None)
        if users:
            extra += ["--spawn-rate", users]
    if not given & {"--requests", "--run-time", "-t"}:
        extra += ["--run-time", "30s"]
    return ["--config", str(HERE / "locust.conf"), "-f", str(HERE / "endpoint.py"), "--headless", *extra, *args]


if __name__ == "__main__":
    sys.argv = ["locust", *locust_arguments(sys.argv[1:])]
    sys.exit(main())
