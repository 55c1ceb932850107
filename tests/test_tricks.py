"""Training tricks as spec settings, distillation losses, and sweep parsing."""

import numpy as np
import pytest
import tensorflow as tf
import tf_keras as keras

from kwstiny.training import distill, sweep, tricks
from kwstiny.errors import KwstinyError, SettingError
from kwstiny.models import bc_resnet, kwt, tenet
from kwstiny.spec import AugmentSpec, ModelChoice, ModelSpec, TrainSpec
from kwstiny.frontend.settings import FrontendSettings


def make_spec(**train):
    return ModelSpec(name="t", frontend=FrontendSettings(filterbank_n_channels=16),
                     model=ModelChoice(tenet.TENet6), train=TrainSpec(**train))


def test_cosine_schedule_warms_up_then_decays_to_the_floor():
    spec = make_spec(epochs=10, learning_rate_schedule="cosine", learning_rate=0.01,
                     warmup_epochs=2, min_learning_rate=0.001)
    schedule = tricks.learning_rate_schedule(spec, total_steps=100)
    rates = np.array([float(schedule(step)) for step in range(101)])
    assert rates[0] == pytest.approx(0.0, abs=1e-9)
    assert rates[20] == pytest.approx(0.01, rel=1e-4)            # end of warm-up
    assert np.all(np.diff(rates[:21]) > 0) and np.all(np.diff(rates[20:]) <= 1e-9)
    assert rates[100] == pytest.approx(0.001, rel=1e-3)


def test_stepped_schedule_is_unchanged_by_default():
    spec = make_spec(learning_rate_steps=((1, 0.01), (3, 0.001)))
    schedule = tricks.learning_rate_schedule(spec, total_steps=40)
    assert float(schedule(5)) == pytest.approx(0.01)
    assert float(schedule(20)) == pytest.approx(0.001)


def test_weight_decay_spares_biases_norms_and_tokens():
    model = kwt.KWT((10, 1, 8), 3, num_layers=1, d_model=8, heads=2, mlp_dim=16)
    spared = {w.name for w in tricks.undecayed_weights(model)}
    assert any("norm1/gamma" in n for n in spared) and any("bias" in n for n in spared)
    assert any("tokens/tokens" in n for n in spared)
    assert not any("kernel" in n for n in spared)
    optimizer = tricks.make_optimizer(make_spec(weight_decay=0.1), model, 10)
    assert isinstance(optimizer, keras.optimizers.AdamW)
    # One step with zero gradients: decayed kernels shrink, spared weights do not move.
    optimizer.build(model.trainable_variables)
    before = {w.name: w.numpy().copy() for w in model.trainable_variables}
    optimizer.apply_gradients([(tf.zeros_like(w), w) for w in model.trainable_variables])
    for w in model.trainable_variables:
        moved = not np.allclose(w.numpy(), before[w.name])
        assert moved == (w.name not in spared and np.any(before[w.name] != 0)), w.name


def test_weight_average_is_what_validation_sees_and_training_goes_on_from_the_raw_weights():
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(inputs))
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype(np.float32)
    y = np.eye(2)[(x[:, 0] > 0).astype(int)]
    seen = []

    class Look(keras.callbacks.Callback):     # what the epoch-end validation does
        def on_epoch_end(self, epoch, logs=None):
            raw = self.model.get_weights()
            with tricks.averaged_weights(self.model):
                inside = self.model.get_weights()
            seen.append((raw, inside, self.model.get_weights()))

    for average in (1.0, 0.0):   # epochs of 8 steps: decay 1 - 1/8
        seen.clear()
        spec = make_spec(epochs=3, weight_average_epochs=average, learning_rate=0.05,
                         learning_rate_schedule="cosine")
        tricks.compile_model(model, spec, total_steps=24)
        if average:
            assert model.optimizer.ema_momentum == pytest.approx(0.875)
        model.fit(x, y, batch_size=8, epochs=3, verbose=0, callbacks=[Look()])
        for raw, inside, after in seen:
            for r, i, a in zip(raw, inside, after):
                np.testing.assert_array_equal(r, a)          # training goes on from raw
                assert np.allclose(r, i) == (average == 0.0)   # validation sees the average
    with pytest.raises(SettingError, match="weight_average_epochs"):
        make_spec(epochs=3, weight_average_epochs=-1.0)


def test_label_smoothing_sets_the_targets():
    loss = tricks.make_loss(make_spec(label_smoothing=0.2))
    y = np.array([[0.0, 1.0, 0.0, 0.0]], np.float32)
    p = np.array([[0.1, 0.7, 0.1, 0.1]], np.float32)
    target = y * 0.8 + 0.2 / 4
    assert float(loss(y, p)) == pytest.approx(-np.sum(target * np.log(p)), rel=1e-5)


def test_zero_gamma_picks_the_norms_that_end_identity_branches():
    model = bc_resnet.BCResNet1((20, 1, 40), 3)
    changed = set(tricks.zero_residual_gammas(model))
    # Stage blocks after the first of each stage keep their input: identity blocks.
    assert {"s0b1_ssn", "s2b3_ssn", "s3b1_ssn"} <= changed
    assert not any(name.startswith(("s0b0", "s1b0", "s2b0", "s3b0")) for name in changed)
    assert all(np.all(model.get_layer(n).gamma.numpy() == 0) for n in changed)
    tenet6 = tenet.TENet6((20, 1, 8), 3)
    changed = set(tricks.zero_residual_gammas(tenet6))
    assert changed == {"s0b1_project_bn", "s1b1_project_bn", "s2b1_project_bn"}


def test_spec_augment_masks_bands_with_the_mean():
    tf.random.set_seed(3)
    x = tf.constant(np.random.default_rng(0).normal(size=(64, 30, 1, 20)), tf.float32)
    out = tricks.spec_augment(x, time_masks=1, max_frames=6, freq_masks=1,
                              max_channels=4).numpy()
    mean = x.numpy().mean(axis=(1, 2, 3), keepdims=True)
    changed = out != x.numpy()
    assert np.allclose(out[changed], np.broadcast_to(mean, out.shape)[changed])
    masked_frames = changed.all(axis=(2, 3)).sum(axis=1)
    masked_channels = changed.all(axis=(1, 2)).sum(axis=1)
    assert masked_frames.max() <= 6 and masked_channels.max() <= 4
    assert masked_frames.max() > 0 and masked_channels.max() > 0


def test_mixup_blends_inputs_and_labels_alike():
    tf.random.set_seed(1)
    y = tf.one_hot(np.arange(8) % 4, 4)
    x = tf.reshape(y, (8, 1, 1, 4))       # inputs that are their own labels
    mx, my = (t.numpy() for t in tricks.mixup(x, y, alpha=0.4))
    # Same lambda and partner for inputs and labels: the mixed input is the mixed label.
    assert np.allclose(mx[:, 0, 0, :], my)
    assert np.allclose(my.sum(axis=1), 1.0)
    assert np.any((my > 0.01) & (my < 0.99))          # some samples really were blended


def test_batch_transform_is_off_by_default_and_refuses_masks_on_waveforms():
    assert tricks.batch_transform(make_spec()) is None
    spec = ModelSpec(name="w", frontend=FrontendSettings(), model=ModelChoice(tenet.TENet6),
                     model_input="waveform", augment=AugmentSpec(spec_time_masks=1,
                                                                 spec_time_mask_frames=3))
    with pytest.raises(KwstinyError, match="waveform"):
        tricks.batch_transform(spec)


def test_distillation_losses():
    teacher = tf.constant([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    student = tf.constant([[0.5, 0.3, 0.2], [0.2, 0.5, 0.3]])
    hard = float(distill.distillation_loss(teacher, student, "hard", 1.0))
    assert hard == pytest.approx(-(np.log(0.5) + np.log(0.3)) / 2, rel=1e-5)
    # Soft at T=1 is the KL divergence; identical distributions give zero.
    kl = np.sum(teacher.numpy() * np.log(teacher.numpy() / student.numpy()), axis=1).mean()
    assert float(distill.distillation_loss(teacher, student, "soft", 1.0)) == \
        pytest.approx(kl, rel=1e-4)
    assert float(distill.distillation_loss(teacher, teacher, "soft", 4.0)) == \
        pytest.approx(0.0, abs=1e-6)


def test_sweep_overrides_parse_into_a_grid_and_run_names():
    points = sweep.grid(["model.options.setting=A,B", "model.options.patch_size=(1,40),(2,20)",
                         "train.label_smoothing=0.0,0.1"])
    assert len(points) == 8
    assert points[1] == {"model.options.setting": "A", "model.options.patch_size": (1, 40),
                         "train.label_smoothing": 0.1}
    assert sweep.run_name("kwt", points[1]) == "kwt.setting-A.patch_size-1_40.label_smoothing-0.1"
    with pytest.raises(KwstinyError, match="KEY=VALUE"):
        sweep.grid(["train.epochs"])
    with pytest.raises(KwstinyError, match="several values"):
        sweep.apply_overrides(make_spec(), ["train.epochs=1,2"])
    assert sweep.apply_overrides(make_spec(), ["train.mixup_alpha=0.2"]).train.mixup_alpha == 0.2


def test_bad_trick_settings_name_the_setting():
    with pytest.raises(SettingError, match="label_smoothing"):
        TrainSpec(label_smoothing=1.0)
    with pytest.raises(SettingError, match="learning_rate_schedule"):
        TrainSpec(learning_rate_schedule="linear")
    with pytest.raises(SettingError, match="spec_time_masks"):
        AugmentSpec(spec_time_masks=-1)


def test_train_command_refuses_a_sweep_without_m_and_m_without_overrides():
    from click.testing import CliRunner

    from kwstiny.cli import main

    result = CliRunner().invoke(main, ["train", "keyword_spotting_alexa", "train.epochs=1,2"])
    assert result.exit_code == 1 and "add -m to sweep" in result.output
    result = CliRunner().invoke(main, ["train", "keyword_spotting_alexa", "-m"])
    assert result.exit_code == 2 and "needs at least one" in result.output
    result = CliRunner().invoke(main, ["train", "keyword_spotting_alexa", "-m", "train.epoch=1"])
    assert result.exit_code == 1 and "did you mean 'epochs'" in result.output


def test_class_weights_inside_a_custom_train_step_follow_each_rows_class():
    import tensorflow as tf

    from kwstiny.training.tricks import class_weight_vector, class_weighted

    assert class_weight_vector(None, 3) is None
    vector = class_weight_vector({0: 2.0, 2: 0.5}, 3)
    np.testing.assert_array_equal(vector, [2.0, 1.0, 0.5])
    # Blended labels (mixup, a teacher) count as their larger class.
    y = tf.constant([[0.7, 0.3, 0.0], [0.2, 0.0, 0.8], [0.0, 1.0, 0.0]])
    weights = tf.constant(vector)
    np.testing.assert_allclose(class_weighted(None, weights, y).numpy(), [2.0, 0.5, 1.0])
    np.testing.assert_allclose(class_weighted(tf.constant([1.0, 2.0, 3.0]), weights, y).numpy(),
                               [2.0, 1.0, 3.0])
    assert class_weighted(None, None, y) is None
