"""Behaviour of the layers the model families are made of."""

import numpy as np
import pytest

import kwstiny  # noqa: F401
import tf_keras as keras

from kwstiny.errors import KwstinyError
from kwstiny.models import bc_resnet, kwt, teacher, trainable_frontend as tfe
from kwstiny.models.layers import export_model

RNG = np.random.default_rng(1)


def test_subspectral_norm_normalises_each_band_separately():
    layer = bc_resnet.SubSpectralNorm(groups=4, momentum=0.0)
    # Four bands with very different levels: one BN over all would leave them apart.
    x = RNG.normal(size=(16, 10, 8, 3)).astype(np.float32)
    x *= np.repeat([0.5, 2.0, 5.0, 9.0], 2)[None, None, :, None]
    x += np.repeat([-3.0, 0.0, 4.0, 10.0], 2)[None, None, :, None]
    y = layer(x, training=True).numpy()
    for band in range(4):
        part = y[:, :, 2 * band:2 * band + 2, :]
        assert np.allclose(part.mean(axis=(0, 1, 2)), 0.0, atol=1e-4)
        assert np.allclose(part.std(axis=(0, 1, 2)), 1.0, atol=1e-2)
    # momentum 0: the moving statistics are this batch's, so inference agrees.
    assert np.allclose(layer(x, training=False).numpy(), y, atol=1e-3)


def test_subspectral_norm_with_one_group_is_batch_norm():
    x = RNG.normal(loc=2.0, scale=3.0, size=(8, 6, 10, 4)).astype(np.float32)
    ssn = bc_resnet.SubSpectralNorm(groups=1, epsilon=1e-3)
    bn = keras.layers.BatchNormalization(epsilon=1e-3)
    assert np.allclose(ssn(x, training=True).numpy(), bn(x, training=True).numpy(), atol=1e-4)


def test_bc_resnet_bn_momentum_reaches_every_norm():
    model = bc_resnet.BCResNet((20, 1, 40), 2, bn_momentum=0.9)
    norms = [layer for layer in model.layers
             if type(layer).__name__ in ("BatchNormalization", "SubSpectralNorm")]
    assert len(norms) > 10
    assert {round(layer.momentum, 6) for layer in norms} == {0.9}
    with pytest.raises(KwstinyError, match="bn_momentum"):
        bc_resnet.BCResNet((20, 1, 40), 2, bn_momentum=1.0)


def test_kwt_distillation_heads_average_to_the_model_output():
    model = kwt.KWT((20, 1, 16), 5, num_layers=1, d_model=16, heads=2, mlp_dim=32,
                    distill_token=True)
    heads = kwt.distillation_heads(model)
    x = RNG.normal(size=(3, 20, 1, 16)).astype(np.float32)
    class_p, distill_p = (h.numpy() for h in heads(x))
    assert np.allclose(model(x).numpy(), (class_p + distill_p) / 2, atol=1e-6)
    # The heads are the model's own layers: training one trains the other.
    assert {w.ref() for w in heads.trainable_weights} == \
        {w.ref() for w in model.trainable_weights}


def test_kwt_without_distillation_token_has_no_heads_model():
    model = kwt.KWT((20, 1, 16), 5, num_layers=1, d_model=16, heads=1, mlp_dim=32)
    with pytest.raises(KwstinyError, match="distill_token=True"):
        kwt.distillation_heads(model)


@pytest.mark.parametrize("attention, patch, tokens", [
    ("time", (1, 16), 20), ("freq", (1, 16), 16), ("patch", (4, 8), 10), ("patch", (3, 5), 18)])
def test_kwt_attention_types_make_the_expected_tokens(attention, patch, tokens):
    model = kwt.KWT((20, 1, 16), 4, attention=attention, patch_size=patch, num_layers=1,
                    d_model=8, heads=2, mlp_dim=16)
    name = {"time": "time", "freq": "freq", "patch": "patch"}[attention]
    # class token + one token per patch (partial edge patches dropped)
    assert model.get_layer(f"{name}_tokens").output.shape[1] == tokens + 1


def test_kwt_rejects_bad_settings():
    with pytest.raises(KwstinyError, match="attention"):
        kwt.KWT((20, 1, 16), 4, attention="space")
    with pytest.raises(KwstinyError, match="d_model"):
        kwt.KWT((20, 1, 16), 4, d_model=10, heads=3)


def test_gelu_tanh_matches_gelu():
    x = np.linspace(-6, 6, 101).astype(np.float32)
    exact = keras.activations.gelu(x, approximate=False).numpy()
    assert np.abs(kwt.GeluTanh()(x).numpy() - exact).max() < 1e-3


def test_stft_layer_matches_librosa_power_spectrogram():
    import librosa
    audio = RNG.normal(scale=0.2, size=(2, 4000)).astype(np.float32)
    power = tfe.STFT(n_fft=400, hop_length=160)(audio).numpy()
    for row, got in zip(audio, power):
        want = np.abs(librosa.stft(row, n_fft=400, hop_length=160, window="hann",
                                   center=True, pad_mode="reflect")) ** 2
        assert got.shape == want.T.shape
        assert np.allclose(got, want.T, rtol=1e-3, atol=1e-3)


def test_mel_basis_starts_as_the_slaney_filterbank_and_masks_bins():
    import librosa
    power = np.abs(RNG.normal(size=(1, 5, 241))).astype(np.float32)
    layer = tfe.MelBasis(n_mels=40, sample_rate=16000, n_fft=480)
    want = np.log(power[0] @ librosa.filters.mel(sr=16000, n_fft=480, n_mels=40).T + 1e-10)
    assert np.allclose(layer(power).numpy()[0], want, atol=1e-4)
    # Energy only inside the masked-out band reaches no mel band.
    masked = tfe.MelBasis(n_mels=40, sample_rate=16000, n_fft=480, maskout_bins=(0, 241))
    assert np.allclose(masked(power).numpy(), np.log(1e-10))


@pytest.mark.parametrize("setting, stft, mel", [
    ("A", False, False), ("B", False, True), ("C", True, False), ("D", True, True)])
def test_settings_a_to_d_choose_what_trains(setting, stft, mel):
    model = tfe.TrainableMelModel((4000,), 3, backbone="simple", setting=setting)
    trainable = {w.name.split("/")[0] for w in model.trainable_weights}
    assert ("stft" in trainable) == stft
    assert ("mel" in trainable) == mel


def test_trained_mel_basis_moves_stays_in_range_and_plots(tmp_path):
    model = tfe.TrainableMelModel((4000,), 3, backbone="simple", setting="B", n_mels=10,
                                  random_mel=True)
    before = tfe.learned_mel_basis(model).copy()
    x = RNG.normal(scale=0.3, size=(12, 4000)).astype(np.float32)
    y = keras.utils.to_categorical(np.arange(12) % 3, 3)
    model.compile(keras.optimizers.Adam(0.05), "categorical_crossentropy")
    model.fit(x, y, epochs=2, verbose=0)
    after = tfe.learned_mel_basis(model)
    assert np.abs(after - before).max() > 1e-3
    assert after.min() >= 0.0 and after.max() <= 1.0
    png = tfe.plot_mel_basis(model, tmp_path / "mel.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    saved = np.load(tfe.export_filterbank(model, tmp_path / "mel.npz"))
    assert np.array_equal(saved["basis"], after) and saved["bin_hz"][-1] == 8000.0


def test_float_only_models_are_refused_for_int8_with_a_reason():
    model = tfe.TrainableMelModel((4000,), 3, backbone="simple")
    with pytest.raises(KwstinyError, match="not for the int8 microcontroller path"):
        export_model(model)
    rnn = teacher.AttMHRNN((20, 1, 8), 3, rnn_units=(8,), heads=2, dense_units=(8,))
    with pytest.raises(KwstinyError, match="recurrent"):
        export_model(rnn)


def test_bad_inputs_name_the_problem():
    with pytest.raises(KwstinyError, match="raw audio"):
        tfe.TrainableMelModel((98, 1, 40), 3)
    with pytest.raises(KwstinyError, match="setting"):
        tfe.TrainableMelModel((4000,), 3, setting="E")
    with pytest.raises(KwstinyError, match="maskout_bins"):
        tfe.TrainableMelModel((4000,), 3, maskout_bins=(30, 10))
    with pytest.raises(KwstinyError, match="spectrogram"):
        bc_resnet.BCResNet1((16000,), 3)
