# The models of core's rendered documents, on the tables core's migrations created.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("core", "0006_rendered_documents_move_to_public"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="RenderState",
                    fields=[
                        (
                            "page",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                primary_key=True,
                                related_name="render_state",
                                serialize=False,
                                to="core.page",
                            ),
                        ),
                        ("version", models.BigIntegerField(default=0)),
                        ("generation", models.BigIntegerField(default=0)),
                        ("rendered_at", models.DateTimeField()),
                        ("refresh_at", models.DateTimeField(null=True)),
                        ("failures", models.JSONField(default=dict)),
                    ],
                    options={"db_table": "core_renderstate"},
                ),
                migrations.CreateModel(
                    name="RenderedDocument",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("path", models.CharField(max_length=255)),
                        ("version", models.BigIntegerField()),
                        ("status", models.PositiveSmallIntegerField(default=200)),
                        ("content_type", models.CharField(max_length=100)),
                        ("etag", models.CharField(max_length=80)),
                        ("body", models.BinaryField()),
                        (
                            "page",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="core.page",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "core_rendereddocument",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("page", "path"), name="one_document_per_path"
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
