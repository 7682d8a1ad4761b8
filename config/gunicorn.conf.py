"""gunicorn's settings: `gunicorn -c config/gunicorn.conf.py config.wsgi`.

The access log gives the method, the path without its query string, the status, size, time
and user agent: a query string (a search) or a referrer (another page's search) may hold a
case reference or a name, so neither is written. Workers and bind stay on the command line.
"""

accesslog = "-"
errorlog = "-"
# %(U)s is the path only; %(r)s (the request line) and %(f)s (the referrer) would carry queries.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'
