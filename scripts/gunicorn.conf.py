"""gunicorn's settings (scripts/demo-serve, and the README's systemd unit): logs to stdout."""

accesslog = "-"
errorlog = "-"
# Each request's path without its query string, and no referrer: a query holds what staff
# searched for in the admin (a person's name or email address in 登録者 ?q=…), and nothing
# personal goes into a log. gunicorn's default format wrote both.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s "%(a)s"'
