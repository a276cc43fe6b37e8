# The public read path's storage belongs to candor.public: the models move there, the tables stay.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_public_generation"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="RenderedDocument"),
                migrations.DeleteModel(name="RenderState"),
            ],
            database_operations=[],
        ),
    ]
