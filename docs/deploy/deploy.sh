#!/bin/sh
# Deploy both built pages to a web server's folder and write its site configuration, for any
# port and any Flask address. Run from the repository root, as a user who may write there:
#
#   sudo env PORT=8380 FLASK=127.0.0.1:5050 sh docs/deploy/deploy.sh
#
# Run it again after each ./build.sh: each copy replaces the deployed folder (a plain
# `cp -r output/ $WWW/flaskcors/` into an existing folder nests a new output/ inside it and
# keeps serving the old page).
set -eu
WWW=${WWW:-/var/www/flaskexamples}      # the folder the web server serves
PORT=${PORT:-80}                        # the web server's port: part of the page's origin
FLASK=${FLASK:-127.0.0.1:5000}          # where the Flask server listens
NGINX_SITE=${NGINX_SITE:-/etc/nginx/sites-available/flaskexamples}
APACHE_SITE=${APACHE_SITE:-/etc/apache2/sites-available/flaskexamples.conf}

mkdir -p "$WWW"
for example in flaskcors flaskcelery; do
    [ -f "$example/output/index.html" ] || { echo "run ./build.sh first" >&2; exit 1; }
    rm -rf "$WWW/$example.new"
    cp -r "$example/output" "$WWW/$example.new"
    rm -rf "$WWW/$example"
    mv "$WWW/$example.new" "$WWW/$example"
done

sed -e "s/listen 80;/listen $PORT;/" -e "s#127.0.0.1:5000#$FLASK#g" \
    -e "s#/var/www/flaskexamples#$WWW#g" docs/deploy/nginx-flaskexamples.conf > "$NGINX_SITE"
{
    # Apache listens on 80 already (ports.conf); another port needs its own Listen line.
    [ "$PORT" = 80 ] || echo "Listen $PORT"
    sed -e "s/<VirtualHost \*:80>/<VirtualHost *:$PORT>/" -e "s#127.0.0.1:5000#$FLASK#g" \
        -e "s#/var/www/flaskexamples#$WWW#g" docs/deploy/apache-flaskexamples.conf
} > "$APACHE_SITE"

if [ "$PORT" = 80 ]; then site=http://localhost; else site="http://localhost:$PORT"; fi
echo "Deployed to $WWW; site configs: $NGINX_SITE, $APACHE_SITE"
echo "Both send the pages' CSP and nosniff headers and time out slow request headers"
echo "(Apache: a2enmod proxy proxy_http headers reqtimeout). Keep Flask or gunicorn on"
echo "127.0.0.1, behind the web server: never expose it to clients directly."
echo "Start Flask with this site's origin allowed (the port is part of the origin):"
echo "  CORS_ALLOWED_ORIGINS=$site python flaskcors/public/services/flask_example/run_flask_server.py --port ${FLASK##*:}"
echo "Open $site/flaskcors/?server=http://localhost:${FLASK##*:}  (cross-origin)"
echo "  or $site/flaskcors/?server=$site  (same origin, through the proxy)"
