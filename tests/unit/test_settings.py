"""flask_pyjamas.settings: every setting read from the environment in one place."""

from pathlib import Path

import pytest

from flask_pyjamas.settings import SettingError, celery_settings, instance_folder, rpc_settings


def test_a_relative_instance_folder_is_refused():
    """Server and workers started in different directories must find the same folder."""
    app = "flaskcelery.flask_source.FlaskEchoApp"
    assert str(instance_folder("/srv/app/instance", {}, import_name=app)) == \
        "/srv/app/instance/flaskcelery"
    assert str(instance_folder("/x", {"FLASKCELERY_INSTANCE": "/data/fc"}, import_name=app)) == \
        "/data/fc"
    with pytest.raises(SettingError, match="FLASKCELERY_INSTANCE must be an absolute path"):
        instance_folder("/x", {"FLASKCELERY_INSTANCE": "instance/flaskcelery"}, import_name="a")


def test_the_instance_folder_is_named_after_the_apps_package():
    """Two copies of the example under other names, side by side: a folder (a queue) each."""
    folders = {instance_folder("/srv/instance", {}, import_name=f"{name}.flask_source.app")
               for name in ("appone", "apptwo")}
    assert folders == {Path("/srv/instance/appone"), Path("/srv/instance/apptwo")}


def test_blank_variables_count_as_unset_and_config_wins():
    settings = rpc_settings({"CORS_MAX_AGE": 5}, environ={"CORS_MAX_AGE": "600",
                                                          "MAX_CONTENT_LENGTH": " "})
    assert settings["CORS_MAX_AGE"] == 5
    assert settings["MAX_CONTENT_LENGTH"] == 1024 * 1024


def test_a_malformed_number_names_the_variable():
    with pytest.raises(SettingError, match="CELERY_RESULT_EXPIRES='soon' is not a valid int"):
        celery_settings("/x", {"CELERY_RESULT_EXPIRES": "soon"}, import_name="a")


def test_the_embedded_broker_lives_in_the_instance_folder():
    settings = celery_settings("/srv/app/instance", {}, import_name="flaskcelery.app")
    assert settings["broker_url"] == "flaskcelery-fs://"
    assert settings["broker_transport_options"]["data_folder_in"] == \
        "/srv/app/instance/flaskcelery/broker/queue"
    assert settings["result_backend"] == "db+sqlite:////srv/app/instance/flaskcelery/results.sqlite"
