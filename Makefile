# The two commands: `make demo` runs the shop with demo data, `make test` runs the tests.
# Both build the virtual environment first. Everything else here is a helper for those two.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Tests always use the real services: PostgreSQL and Redis on this machine unless told otherwise.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/storefront
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
DEMO_DIR ?= var/demo-data
DEMO_ENV := ALLOW_INSECURE_SECRET_KEY=1 HTTPS=0 SERVE_MEDIA=1

.PHONY: demo test lint typecheck pytest system-packages clean

$(BIN)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

venv: $(BIN)/.installed

system-packages:
	./scripts/system-packages.sh

# Models train in this process during set-up (no worker needed yet); serve-demo.sh starts a
# worker beside the web server when REDIS_URL is set.
demo: venv system-packages
	mkdir -p var  # the demo's SQLite file and media live here
	$(DEMO_ENV) $(BIN)/python manage.py migrate --no-input
	$(DEMO_ENV) $(BIN)/python manage.py collectstatic --no-input -v 0
	$(DEMO_ENV) $(BIN)/python manage.py generate_demo_data $(DEMO_DIR)
	$(DEMO_ENV) $(BIN)/python manage.py import_hm $(DEMO_DIR)
	$(DEMO_ENV) $(BIN)/python manage.py train trending --in-process
	$(DEMO_ENV) $(BIN)/python manage.py train collaborative --in-process
	$(DEMO_ENV) $(BIN)/python manage.py train content --in-process
	$(DEMO_ENV) $(BIN)/python manage.py create_demo_users
	$(DEMO_ENV) ./scripts/serve-demo.sh

lint: venv
	$(BIN)/ruff check .

typecheck: venv
	DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/mypy .

pytest: venv
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(BIN)/pytest $(PYTEST_ARGS)

test: venv system-packages lint typecheck pytest

clean:
	rm -rf $(VENV) var staticfiles .mypy_cache .ruff_cache .pytest_cache
